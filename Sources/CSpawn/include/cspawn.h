// Starting a child process below the audio: at SCHED_IDLE, in its own process
// group, for the server's /train (see TrainingRun). In C because glibc's
// SCHED_IDLE and pipe2 are GNU extensions Swift's Glibc module does not show.

#ifndef CSPAWN_H
#define CSPAWN_H

#include <sys/types.h>

/// Starts `path` with `argv` and `envp` (NULL-terminated) as a child that runs
/// at SCHED_IDLE (it gets a core only when no normal thread wants it: every
/// thread it starts inherits that, its BLAS workers too), in a process group of
/// its own (a terminal's Ctrl-C reaches the server, which decides for it),
/// with every signal at its default disposition and none blocked, standard
/// input from /dev/null, and standard output and error into two new pipes,
/// whose read ends (close-on-exec) come back in `stdout_read` and `stderr_read`.
/// The calling thread is put at SCHED_IDLE first and stays there (the child
/// takes its policy; an unprivileged thread cannot come back): call it from a
/// thread of its own that only waits on the child. Returns 0, or the errno of
/// what failed (nothing is left open then).
int cspawn_idle(const char *path, char *const argv[], char *const envp[],
                pid_t *pid, int *stdout_read, int *stderr_read);

#endif
