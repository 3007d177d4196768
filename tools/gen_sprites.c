/*
 * gen_sprites: draws the ten pawn sprites the game loads (look0.png ..
 * look9.png, one per SC_PUT_PLAYER `look`) into the directory given on the
 * command line:
 *
 *   build/gen_sprites assets/pieces
 *
 * Each sprite is 128x128 RGBA on a transparent background: a chess pawn
 * (plinth, base tier, flared stem, collar, round head) in one body colour
 * with simple lighting, a dark outline that reads on light squares, a thin
 * light halo that reads on dark squares, and a soft contact shadow.
 *
 * The shape is a union of signed distance functions in sprite pixels.
 * Every output pixel averages SS x SS stratified samples (premultiplied
 * alpha), which gives anti-aliased edges without a rasteriser. The output
 * is deterministic: the same program writes the same bytes.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <SDL.h>
#include <SDL_image.h>

#define SPRITE 128
#define SS 6 /* samples per pixel along each axis */
#define LOOKS 10

/* ==== the palette ======================================================== */

struct rgb {
    float r, g, b;
};

/* Ten body colours, far apart in hue or lightness, none close to the
 * usual board browns and beiges. Order matters: it is the `look` index. */
static const struct rgb palette[LOOKS] = {
    {0.86f, 0.16f, 0.16f}, /* 0 red */
    {0.16f, 0.40f, 0.92f}, /* 1 blue */
    {0.20f, 0.70f, 0.22f}, /* 2 green */
    {0.98f, 0.82f, 0.12f}, /* 3 yellow */
    {0.56f, 0.26f, 0.82f}, /* 4 purple */
    {0.99f, 0.52f, 0.08f}, /* 5 orange */
    {0.10f, 0.78f, 0.82f}, /* 6 cyan */
    {0.98f, 0.44f, 0.70f}, /* 7 pink */
    {0.95f, 0.95f, 0.92f}, /* 8 white */
    {0.20f, 0.20f, 0.24f}, /* 9 black */
};

/* ==== the shape ========================================================== */

enum part { HEAD, COLLAR, TIER, PLINTH, STEM, NPARTS };

#define CX 64.0f

static float clampf(float v, float lo, float hi)
{
    return v < lo ? lo : v > hi ? hi : v;
}

/* Rounded box centred at (cx, cy): half sizes hx, hy, corner radius r. */
static float sd_round_box(float x, float y, float cx, float cy, float hx, float hy, float r)
{
    float qx = fabsf(x - cx) - hx + r, qy = fabsf(y - cy) - hy + r;
    float ox = qx > 0 ? qx : 0, oy = qy > 0 ? qy : 0;
    float in = qx > qy ? qx : qy;
    return sqrtf(ox * ox + oy * oy) + (in < 0 ? in : 0) - r;
}

/* An ellipse: the first-order distance (value over gradient length), good
 * near the edge even for a flat ellipse, which is all the bands need. */
static float sd_ellipse(float x, float y, float cx, float cy, float rx, float ry)
{
    float dx = (x - cx) / rx, dy = (y - cy) / ry;
    float k = sqrtf(dx * dx + dy * dy);
    float gx = dx / rx, gy = dy / ry;
    float g = sqrtf(gx * gx + gy * gy);
    if (g < 1e-6f)
        return -(rx < ry ? rx : ry);
    return k * (k - 1.0f) / g;
}

/* The stem's half width: narrow under the collar, flaring into the base. */
#define STEM_TOP 58.0f
#define STEM_BOT 98.0f
static float stem_half(float y)
{
    float t = clampf((y - STEM_TOP) / (STEM_BOT - STEM_TOP), 0, 1);
    return 11.0f + 16.0f * t * t;
}

/* The base tier narrows a little towards its top. */
#define TIER_TOP 89.0f
#define TIER_BOT 103.0f
static float tier_half(float y)
{
    float t = clampf((y - TIER_TOP) / (TIER_BOT - TIER_TOP), 0, 1);
    return 27.0f + 4.0f * t;
}

#define PLINTH_TOP 101.0f
#define PLINTH_BOT 115.0f
#define PLINTH_HALF 38.0f

/* Signed distance of (x, y) to each part: negative inside. */
static void parts_sd(float x, float y, float d[NPARTS])
{
    float hx = x - CX, hy = y - 36.0f;
    d[HEAD] = sqrtf(hx * hx + hy * hy) - 19.0f;
    d[COLLAR] = sd_ellipse(x, y, CX, 60.0f, 24.0f, 6.5f);
    d[TIER] = sd_round_box(x, y, CX, (TIER_TOP + TIER_BOT) / 2, tier_half(y), (TIER_BOT - TIER_TOP) / 2, 4.0f);
    d[PLINTH] = sd_round_box(x, y, CX, (PLINTH_TOP + PLINTH_BOT) / 2, PLINTH_HALF, (PLINTH_BOT - PLINTH_TOP) / 2,
                             5.0f);
    float sx = fabsf(x - CX) - stem_half(y);
    float sy = fmaxf(STEM_TOP - y, y - STEM_BOT);
    d[STEM] = fmaxf(sx, sy);
}

/* A made-up surface normal per part, enough for a convincing light. */
static void part_normal(enum part p, float x, float y, float n[3])
{
    float nx = 0, ny = 0;
    switch (p) {
    case HEAD:
        nx = (x - CX) / 19.0f;
        ny = (y - 36.0f) / 19.0f;
        break;
    case COLLAR:
        nx = (x - CX) / 24.0f;
        ny = (y - 60.0f) / 6.5f * 0.55f - 0.25f;
        break;
    case TIER:
        nx = (x - CX) / tier_half(y) * 0.92f;
        ny = -0.30f;
        break;
    case PLINTH:
        nx = (x - CX) / PLINTH_HALF * 0.92f;
        ny = (y - (PLINTH_TOP + PLINTH_BOT) / 2) / ((PLINTH_BOT - PLINTH_TOP) / 2) * 0.35f - 0.1f;
        break;
    case STEM:
    default:
        nx = (x - CX) / stem_half(y) * 0.92f;
        ny = -0.35f * clampf((y - STEM_TOP) / (STEM_BOT - STEM_TOP), 0, 1);
        break;
    }
    float l2 = nx * nx + ny * ny;
    if (l2 > 0.98f) {
        float s = sqrtf(0.98f / l2);
        nx *= s;
        ny *= s;
        l2 = 0.98f;
    }
    n[0] = nx;
    n[1] = ny;
    n[2] = sqrtf(1.0f - l2);
}

/* ==== one sample ========================================================= */

#define OUTLINE 3.2f /* dark outline width, sprite pixels */
#define INNER 1.8f   /* dark line where a front part overlaps a back part */
#define HALO 2.2f    /* light rim outside the outline */

struct rgba {
    float r, g, b, a; /* premultiplied */
};

static struct rgba premul(float r, float g, float b, float a)
{
    struct rgba c = {r * a, g * a, b * a, a};
    return c;
}

/* The light comes from the upper left, towards the viewer. */
static float shade(const float n[3], float *spec)
{
    static const float L[3] = {-0.46f, -0.62f, 0.64f};
    static const float H[3] = {-0.26f, -0.35f, 0.90f}; /* normalize(L + view) */
    float diff = n[0] * L[0] + n[1] * L[1] + n[2] * L[2];
    float h = n[0] * H[0] + n[1] * H[1] + n[2] * H[2];
    diff = diff > 0 ? diff : 0;
    h = h > 0 ? h : 0;
    *spec = powf(h, 36.0f) * 0.6f;
    return 0.42f + 0.70f * diff;
}

static struct rgba sample(struct rgb body, float x, float y)
{
    float d[NPARTS];
    parts_sd(x, y, d);
    float u = d[0];
    int front = -1; /* the frontmost part containing the point */
    for (int i = 0; i < NPARTS; i++) {
        if (d[i] < u)
            u = d[i];
        if (front < 0 && d[i] < 0)
            front = i;
    }
    struct rgb dark = {body.r * 0.22f + 0.02f, body.g * 0.22f + 0.02f, body.b * 0.22f + 0.03f};

    if (u >= 0) {
        if (u < HALO)
            return premul(1, 1, 1, 0.62f * (1.0f - u / HALO * 0.6f));
        /* The contact shadow: a soft ellipse under the plinth. */
        float sx = (x - CX) / 44.0f, sy = (y - 115.0f) / 8.0f;
        float k = sx * sx + sy * sy;
        if (k < 1.0f)
            return premul(0, 0, 0, 0.30f * (1.0f - k));
        return premul(0, 0, 0, 0);
    }
    if (u > -OUTLINE)
        return premul(dark.r, dark.g, dark.b, 1);
    /* A front part's edge drawn over the part behind it. */
    if (d[front] > -INNER)
        for (int i = front + 1; i < NPARTS; i++)
            if (d[i] < -INNER)
                return premul(dark.r, dark.g, dark.b, 1);

    float n[3], spec;
    part_normal((enum part)front, x, y, n);
    float s = shade(n, &spec);
    float r = clampf(body.r * s + spec, 0, 1);
    float g = clampf(body.g * s + spec, 0, 1);
    float b = clampf(body.b * s + spec, 0, 1);
    return premul(r, g, b, 1);
}

/* ==== drawing and saving ================================================= */

static void draw(SDL_Surface *surf, struct rgb body)
{
    for (int py = 0; py < SPRITE; py++) {
        Uint8 *row = (Uint8 *)surf->pixels + (size_t)py * (size_t)surf->pitch;
        for (int px = 0; px < SPRITE; px++) {
            struct rgba acc = {0, 0, 0, 0};
            for (int sy = 0; sy < SS; sy++) {
                for (int sx = 0; sx < SS; sx++) {
                    struct rgba c = sample(body, px + (sx + 0.5f) / SS, py + (sy + 0.5f) / SS);
                    acc.r += c.r;
                    acc.g += c.g;
                    acc.b += c.b;
                    acc.a += c.a;
                }
            }
            float inv = 1.0f / (SS * SS);
            float a = acc.a * inv;
            Uint8 *p = row + px * 4; /* SDL_PIXELFORMAT_RGBA32: bytes R, G, B, A */
            if (a <= 0.0f) {
                p[0] = p[1] = p[2] = p[3] = 0;
                continue;
            }
            p[0] = (Uint8)lroundf(clampf(acc.r * inv / a, 0, 1) * 255.0f);
            p[1] = (Uint8)lroundf(clampf(acc.g * inv / a, 0, 1) * 255.0f);
            p[2] = (Uint8)lroundf(clampf(acc.b * inv / a, 0, 1) * 255.0f);
            p[3] = (Uint8)lroundf(clampf(a, 0, 1) * 255.0f);
        }
    }
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: gen_sprites OUTPUT_DIR   (writes look0.png .. look9.png)\n");
        return 2;
    }
    int failed = 0;
    SDL_Surface *surf = SDL_CreateRGBSurfaceWithFormat(0, SPRITE, SPRITE, 32, SDL_PIXELFORMAT_RGBA32);
    if (!surf) {
        fprintf(stderr, "gen_sprites: %s\n", SDL_GetError());
        return 1;
    }
    for (int i = 0; i < LOOKS; i++) {
        char path[4096];
        snprintf(path, sizeof path, "%s/look%d.png", argv[1], i);
        SDL_LockSurface(surf);
        draw(surf, palette[i]);
        SDL_UnlockSurface(surf);
        if (IMG_SavePNG(surf, path) != 0) {
            fprintf(stderr, "gen_sprites: %s: %s\n", path, IMG_GetError());
            failed = 1;
            break;
        }
        printf("%s\n", path);
    }
    SDL_FreeSurface(surf);
    return failed;
}
