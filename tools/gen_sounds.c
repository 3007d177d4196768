/*
 * gen_sounds: makes the game's sounds, the WAV files in assets/sounds, the way
 * gen_sprites makes the pawns: from a few lines of arithmetic, with no
 * recording and no library. Deterministic (the "noise" is a fixed LCG),
 * so running it again without changing it gives the same bytes.
 *
 *   gen_sounds assets/sounds
 *
 * Every sound is 16-bit mono PCM at 44100 Hz, short (under 0.3 s) and
 * quiet (peaks at about -9 dBFS) so that a few can play at once:
 *
 *   move.wav   a soft wooden "tock": a low sine with a fast decay and a
 *              short click of filtered noise at its start
 *   join.wav   two rising notes (C6, G6), bell-like partials
 *   leave.wav  the same two notes falling (G5, C5), darker
 *   chat.wav   a quick two-step "pop" (A5 then D6)
 *   error.wav  two short low buzzes (a soft square wave at 180 Hz)
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define RATE 44100
#define MAX_FRAMES (RATE / 2)
#define PI 3.14159265358979f

struct buf {
    float s[MAX_FRAMES];
    int n; /* frames used */
};

static uint32_t lcg = 20240611u;

static float noise(void)
{
    lcg = lcg * 1664525u + 1013904223u;
    return (float)(lcg >> 8) / (float)(1u << 23) - 1.0f;
}

/* A tone starting at t0 (s) lasting dur (s): partials of f at the given
 * relative levels, an attack of att (s) and an exponential decay. */
static void tone(struct buf *b, float t0, float dur, float f, const float *partials, int np, float att, float decay,
                 float level)
{
    int start = (int)(t0 * RATE), len = (int)(dur * RATE);
    for (int i = 0; i < len && start + i < MAX_FRAMES; i++) {
        float t = (float)i / RATE;
        float env = (t < att ? t / att : 1.0f) * expf(-t / decay);
        /* fade the last 5 ms so that nothing ends with a click */
        float tail = (float)(len - i) / (0.005f * RATE);
        if (tail < 1.0f)
            env *= tail;
        float v = 0;
        for (int p = 0; p < np; p++)
            v += partials[p] * sinf(2 * PI * f * (float)(p + 1) * t);
        b->s[start + i] += level * env * v;
        if (start + i + 1 > b->n)
            b->n = start + i + 1;
    }
}

static void click(struct buf *b, float dur, float level)
{
    float lp = 0;
    int len = (int)(dur * RATE);
    for (int i = 0; i < len && i < MAX_FRAMES; i++) {
        lp += 0.35f * (noise() - lp); /* a one-pole low-pass: a thud, not a hiss */
        b->s[i] += level * lp * (1.0f - (float)i / len);
        if (i + 1 > b->n)
            b->n = i + 1;
    }
}

static void square(struct buf *b, float t0, float dur, float f, float level)
{
    int start = (int)(t0 * RATE), len = (int)(dur * RATE);
    for (int i = 0; i < len && start + i < MAX_FRAMES; i++) {
        float t = (float)i / RATE;
        /* a square softened by its first three odd harmonics only */
        float v = sinf(2 * PI * f * t) + sinf(2 * PI * 3 * f * t) / 3 + sinf(2 * PI * 5 * f * t) / 5;
        float env = (t < 0.004f ? t / 0.004f : 1.0f) * (float)(len - i) / len;
        b->s[start + i] += level * env * v;
        if (start + i + 1 > b->n)
            b->n = start + i + 1;
    }
}

static void put16(FILE *f, uint16_t v)
{
    fputc(v & 0xFF, f);
    fputc(v >> 8, f);
}

static void put32(FILE *f, uint32_t v)
{
    put16(f, (uint16_t)(v & 0xFFFF));
    put16(f, (uint16_t)(v >> 16));
}

/* The samples, scaled so that the loudest is at peak (0..1), as a WAV. */
static int write_wav(const char *dir, const char *name, const struct buf *b, float peak)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    float max = 1e-6f;
    for (int i = 0; i < b->n; i++)
        max = fabsf(b->s[i]) > max ? fabsf(b->s[i]) : max;
    FILE *f = fopen(path, "wb");
    if (!f) {
        perror(path);
        return -1;
    }
    uint32_t data = (uint32_t)b->n * 2;
    fwrite("RIFF", 1, 4, f);
    put32(f, 36 + data);
    fwrite("WAVEfmt ", 1, 8, f);
    put32(f, 16);
    put16(f, 1); /* PCM */
    put16(f, 1); /* mono */
    put32(f, RATE);
    put32(f, RATE * 2);
    put16(f, 2);
    put16(f, 16);
    fwrite("data", 1, 4, f);
    put32(f, data);
    for (int i = 0; i < b->n; i++) {
        long v = lroundf(b->s[i] / max * peak * 32767.0f);
        put16(f, (uint16_t)(int16_t)(v > 32767 ? 32767 : v < -32768 ? -32768 : v));
    }
    if (fclose(f) != 0) {
        perror(path);
        return -1;
    }
    printf("%s: %d samples (%.0f ms)\n", path, b->n, b->n * 1000.0 / RATE);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: gen_sounds DIR   (writes move.wav join.wav leave.wav chat.wav error.wav)\n");
        return 2;
    }
    static struct buf b;
    static const float bell[] = { 1.0f, 0.35f, 0.12f, 0.05f };
    static const float dark[] = { 1.0f, 0.2f, 0.04f };
    static const float pure[] = { 1.0f, 0.08f };
    const float peak = 0.35f; /* about -9 dBFS */
    int rc = 0;

    memset(&b, 0, sizeof b);
    tone(&b, 0, 0.09f, 330.0f, pure, 2, 0.002f, 0.025f, 1.0f);
    click(&b, 0.012f, 0.8f);
    rc |= write_wav(argv[1], "move.wav", &b, peak);

    memset(&b, 0, sizeof b);
    tone(&b, 0, 0.16f, 1046.5f, bell, 4, 0.004f, 0.08f, 1.0f);
    tone(&b, 0.09f, 0.2f, 1568.0f, bell, 4, 0.004f, 0.09f, 0.9f);
    rc |= write_wav(argv[1], "join.wav", &b, peak);

    memset(&b, 0, sizeof b);
    tone(&b, 0, 0.16f, 784.0f, dark, 3, 0.004f, 0.08f, 1.0f);
    tone(&b, 0.10f, 0.2f, 523.25f, dark, 3, 0.004f, 0.09f, 0.9f);
    rc |= write_wav(argv[1], "leave.wav", &b, peak);

    memset(&b, 0, sizeof b);
    tone(&b, 0, 0.05f, 880.0f, pure, 2, 0.002f, 0.03f, 0.8f);
    tone(&b, 0.045f, 0.08f, 1174.7f, pure, 2, 0.002f, 0.035f, 1.0f);
    rc |= write_wav(argv[1], "chat.wav", &b, peak * 0.8f);

    memset(&b, 0, sizeof b);
    square(&b, 0, 0.09f, 180.0f, 1.0f);
    square(&b, 0.13f, 0.11f, 180.0f, 1.0f);
    rc |= write_wav(argv[1], "error.wav", &b, peak);
    return rc ? 1 : 0;
}
