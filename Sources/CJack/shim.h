// libjack (JACK Audio Connection Kit), for the native JACK output.
// jack_client_open is variadic and JACK_DEFAULT_AUDIO_TYPE a macro, neither of
// which Swift can use directly; these wrappers give them fixed signatures.
#include <jack/jack.h>

static inline jack_client_t *autocoder_jack_client_open(const char *name, jack_options_t options, jack_status_t *status) {
    return jack_client_open(name, options, status);
}

static inline const char *autocoder_jack_audio_type(void) {
    return JACK_DEFAULT_AUDIO_TYPE;
}
