/*
 * The mixer (sound.h). Every sound is converted once, at start-up, to the
 * device's own format (signed 16-bit, stereo), so the audio callback only
 * adds samples and clips.
 */
#include "sound.h"

#include <SDL.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "assets.h"

#define VOICES 8
#define RETRIGGER_MS 40 /* the same sound again sooner is dropped */

static const char *const files[SOUND_COUNT] = {
    "sounds/move.wav", "sounds/join.wav", "sounds/leave.wav", "sounds/chat.wav", "sounds/error.wav",
};

struct clip {
    Sint16 *pcm;   /* interleaved stereo at the device's rate */
    size_t frames;
};

struct voice {
    const struct clip *c; /* NULL: free */
    size_t pos;           /* frames played */
};

struct sound {
    SDL_AudioDeviceID dev;
    SDL_AudioSpec spec;
    struct clip clips[SOUND_COUNT];
    /* Guarded by the device lock: */
    struct voice voices[VOICES];
    int muted;
    /* Render thread only: */
    Uint64 started_ms[SOUND_COUNT];
    int started_audio; /* this module started SDL's audio subsystem */
};

/* ======================================================================
 * The audio thread
 * ====================================================================== */

static void mix(void *ctx, Uint8 *stream, int len)
{
    struct sound *s = ctx;
    Sint16 *out = (Sint16 *)(void *)stream;
    size_t samples = (size_t)len / sizeof(Sint16), frames = samples / 2;
    memset(stream, 0, (size_t)len);
    if (s->muted)
        return;
    for (int v = 0; v < VOICES; v++) {
        struct voice *vo = &s->voices[v];
        if (!vo->c)
            continue;
        size_t n = vo->c->frames - vo->pos;
        if (n > frames)
            n = frames;
        const Sint16 *in = vo->c->pcm + vo->pos * 2;
        for (size_t i = 0; i < n * 2; i++) {
            int sum = out[i] + in[i];
            out[i] = (Sint16)(sum > 32767 ? 32767 : sum < -32768 ? -32768 : sum);
        }
        vo->pos += n;
        if (vo->pos >= vo->c->frames)
            vo->c = NULL;
    }
}

/* ======================================================================
 * Loading
 * ====================================================================== */

/* One WAV, converted to the device's format. 0, or -1 (then the sound is
 * simply not played). */
static int load_clip(const struct sound *s, const char *rel, struct clip *c)
{
    char path[1024];
    if (assets_path(rel, path, sizeof path) != 0)
        return -1;
    SDL_AudioSpec src;
    Uint8 *buf = NULL;
    Uint32 len = 0;
    if (!SDL_LoadWAV(path, &src, &buf, &len))
        return -1;
    SDL_AudioCVT cvt;
    int rc = SDL_BuildAudioCVT(&cvt, src.format, src.channels, src.freq, s->spec.format, s->spec.channels,
                               s->spec.freq);
    if (rc < 0) {
        SDL_FreeWAV(buf);
        return -1;
    }
    cvt.len = (int)len;
    cvt.buf = malloc((size_t)len * (size_t)(cvt.len_mult > 0 ? cvt.len_mult : 1));
    if (!cvt.buf) {
        SDL_FreeWAV(buf);
        return -1;
    }
    memcpy(cvt.buf, buf, len);
    SDL_FreeWAV(buf);
    if (rc == 1 && SDL_ConvertAudio(&cvt) != 0) {
        free(cvt.buf);
        return -1;
    }
    c->pcm = (Sint16 *)(void *)cvt.buf;
    c->frames = (size_t)(rc == 1 ? cvt.len_cvt : cvt.len) / (2 * sizeof(Sint16));
    return 0;
}

struct sound *sound_open(int muted, char *info, size_t infolen)
{
    struct sound *s = calloc(1, sizeof *s);
    if (!s) {
        snprintf(info, infolen, "out of memory");
        return NULL;
    }
    if (!SDL_WasInit(SDL_INIT_AUDIO)) {
        if (SDL_InitSubSystem(SDL_INIT_AUDIO) != 0) {
            snprintf(info, infolen, "no audio: %s", SDL_GetError());
            free(s);
            return NULL;
        }
        s->started_audio = 1;
    }
    SDL_AudioSpec want;
    SDL_zero(want);
    want.freq = 44100;
    want.format = AUDIO_S16SYS;
    want.channels = 2;
    want.samples = 1024;
    want.callback = mix;
    want.userdata = s;
    s->muted = muted;
    /* No changes allowed: SDL converts to whatever the hardware wants,
     * and our clips stay in one format. */
    s->dev = SDL_OpenAudioDevice(NULL, 0, &want, &s->spec, 0);
    if (!s->dev) {
        snprintf(info, infolen, "no audio device: %s", SDL_GetError());
        sound_close(s);
        return NULL;
    }
    int loaded = 0;
    for (int i = 0; i < SOUND_COUNT; i++)
        loaded += load_clip(s, files[i], &s->clips[i]) == 0;
    snprintf(info, infolen, "driver=%s freq=%d channels=%u format=s16 sounds=%d/%d%s", SDL_GetCurrentAudioDriver(),
             s->spec.freq, s->spec.channels, loaded, SOUND_COUNT, muted ? " muted" : "");
    SDL_PauseAudioDevice(s->dev, 0);
    return s;
}

/* ======================================================================
 * Playing
 * ====================================================================== */

void sound_play(struct sound *s, enum sound_id id)
{
    if (!s || id < 0 || id >= SOUND_COUNT || !s->clips[id].pcm)
        return;
    Uint64 now = SDL_GetTicks64();
    if (s->started_ms[id] && now - s->started_ms[id] < RETRIGGER_MS)
        return;
    s->started_ms[id] = now;
    SDL_LockAudioDevice(s->dev);
    if (!s->muted) {
        /* A free voice, else the one nearest its end. */
        struct voice *pick = &s->voices[0];
        for (int v = 0; v < VOICES; v++) {
            struct voice *vo = &s->voices[v];
            if (!vo->c) {
                pick = vo;
                break;
            }
            if (vo->c->frames - vo->pos < pick->c->frames - pick->pos)
                pick = vo;
        }
        pick->c = &s->clips[id];
        pick->pos = 0;
    }
    SDL_UnlockAudioDevice(s->dev);
}

void sound_set_muted(struct sound *s, int muted)
{
    if (!s)
        return;
    SDL_LockAudioDevice(s->dev);
    s->muted = muted;
    if (muted)
        for (int v = 0; v < VOICES; v++)
            s->voices[v].c = NULL;
    SDL_UnlockAudioDevice(s->dev);
}

void sound_close(struct sound *s)
{
    if (!s)
        return;
    if (s->dev)
        SDL_CloseAudioDevice(s->dev);
    for (int i = 0; i < SOUND_COUNT; i++)
        free(s->clips[i].pcm);
    if (s->started_audio)
        SDL_QuitSubSystem(SDL_INIT_AUDIO);
    free(s);
}
