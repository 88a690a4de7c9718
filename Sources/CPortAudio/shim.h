#include <portaudio.h>
#include <pa_jack.h>
