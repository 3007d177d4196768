/*
 * Short sounds through SDL2's own audio (no other library): a move, a
 * join, a leave, a chat line, an error. The sounds are WAV files in
 * assets/sounds, made by tools/gen_sounds.c like the sprites. A small
 * mixer plays a few at once; muting silences the device's output at once.
 *
 * Only the render thread calls these; the mixer runs on SDL's audio
 * thread, and what both touch is behind SDL_LockAudioDevice.
 */
#ifndef PAWN_GAME_SOUND_H
#define PAWN_GAME_SOUND_H

#include <stddef.h>

enum sound_id { SOUND_MOVE, SOUND_JOIN, SOUND_LEAVE, SOUND_CHAT, SOUND_ERROR, SOUND_COUNT };

struct sound;

/*
 * Opens the default audio device and loads the sounds. Returns NULL when
 * there is no audio here (the game then runs silent): why in info. On
 * success info names the driver and format, for the log. SDL_Init must
 * have run; the audio subsystem is started here. Free with sound_close.
 */
struct sound *sound_open(int muted, char *info, size_t infolen);

/* Starts sound id (nothing while muted; NULL s is allowed). A sound asked
 * for again within a few milliseconds is not stacked on itself, so a
 * burst of packets costs one sound. */
void sound_play(struct sound *s, enum sound_id id);

/* Muting stops what plays and writes silence from the next buffer on. */
void sound_set_muted(struct sound *s, int muted);

void sound_close(struct sound *s);

#endif
