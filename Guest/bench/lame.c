/*
 * lame: the paper's MP3 encode (Table 1, "lame").  Writes a WAV of our own
 * (16-bit stereo 44.1 kHz: a few sines, a sweep and pseudo-random noise,
 * all from integer phases and a hand-written sine so that no libm call and
 * no clock goes into it) and times `lame --preset insane -S in.wav out.mp3`,
 * LAME being the static program Guest/bench/build-lame.sh builds and the
 * image puts beside trapeze-bench.  CHECK is the size and the bytes of
 * every out.mp3: LAME's output depends only on its input and options.
 */
#include "bench.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define WAV_FILE "in.wav"
#define MP3_FILE "out.mp3"
#define LOG_FILE "lame.log"     /* LAME's banner and any error message */
#define RATE 44100
#define CHANNELS 2
#define WAV_HEADER 44
/* Audio length per scale.  One encode with --preset insane is about 11
 * million guest instructions plus 215 million per second of this audio
 * (`trapeze user --stats`), so quick's 0.2 s is about 54 million, like the
 * other quick workloads; paper's 2 s, ten times the audio, about 440
 * million (0.37 s at one instruction per cycle at 1.2 GHz; the paper
 * measured 0.44 s). */
#define QUICK_FRAMES (RATE / 5)
#define PAPER_FRAMES (RATE * 2)

/* sin(x) for x in [-pi, pi): Taylor to x^17 (error below 1e-6, far under a
 * 16-bit step), only multiplications, divisions and additions, so every
 * machine that rounds IEEE doubles correctly gets the same samples. */
static double sine(double x)
{
    double x2 = x * x, term = x, sum = x;
    for (int k = 2; k <= 16; k += 2) {
        term *= -x2 / (double)(k * (k + 1));
        sum += term;
    }
    return sum;
}

/* One period of sine() in SINE_STEPS steps (and the first again at the
 * end), interpolated linearly: a tenth of the instructions of sine(). */
#define SINE_BITS 12
#define SINE_STEPS (1 << SINE_BITS)
static double sine_table[SINE_STEPS + 1];

static void sine_table_init(void)
{
    for (int i = 0; i <= SINE_STEPS; i++)
        sine_table[i] = sine((double)(i % SINE_STEPS) * (6.283185307179586 / SINE_STEPS) - 3.141592653589793);
}

/* sin of a phase accumulator (2^32 per cycle, 0 at -pi). */
static double phase_sine(uint32_t phase)
{
    uint32_t i = phase >> (32 - SINE_BITS);
    double frac = (double)(phase & ((1u << (32 - SINE_BITS)) - 1)) * (1.0 / (1u << (32 - SINE_BITS)));
    return sine_table[i] + (sine_table[i + 1] - sine_table[i]) * frac;
}

static uint32_t phase_step(double hz)
{
    return (uint32_t)(hz * (4294967296.0 / RATE));
}

static int16_t to_sample(double v)
{
    if (v > 0.999)
        v = 0.999;
    if (v < -0.999)
        v = -0.999;
    return (int16_t)(v * 32767.0);   /* truncation: no rounding mode involved */
}

static void put_le16(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char)v;
    p[1] = (unsigned char)(v >> 8);
}

static void put_le32(unsigned char *p, uint32_t v)
{
    put_le16(p, v);
    put_le16(p + 2, v >> 16);
}

/* The canonical 44-byte PCM header (LAME's own reader takes it). */
static void wav_header(unsigned char *h, uint32_t frames)
{
    uint32_t data = frames * CHANNELS * 2;
    memcpy(h, "RIFF", 4);
    put_le32(h + 4, 36 + data);
    memcpy(h + 8, "WAVEfmt ", 8);
    put_le32(h + 16, 16);
    put_le16(h + 20, 1);                        /* PCM */
    put_le16(h + 22, CHANNELS);
    put_le32(h + 24, RATE);
    put_le32(h + 28, RATE * CHANNELS * 2);      /* bytes per second */
    put_le16(h + 32, CHANNELS * 2);             /* bytes per frame */
    put_le16(h + 34, 16);
    memcpy(h + 36, "data", 4);
    put_le32(h + 40, data);
}

/* Music-like enough to keep the psychoacoustic model and the quantizer
 * busy: a chord whose notes swell at different rates, a rising sweep, and
 * white noise (xorshift32) at -22 dB, different in each channel. */
static void write_wav(const char *path, uint32_t frames)
{
    size_t size = WAV_HEADER + (size_t)frames * CHANNELS * 2;
    unsigned char *buf = malloc(size);
    if (buf == NULL)
        die_msg("malloc", "out of memory");
    wav_header(buf, frames);
    sine_table_init();

    static const double notes[] = { 220.0, 277.18, 329.63, 440.0, 1318.51, 3520.0 };
    enum { NOTES = sizeof notes / sizeof notes[0] };
    uint32_t phase[NOTES] = { 0 }, step[NOTES], swell[NOTES] = { 0 }, swell_step[NOTES];
    for (int i = 0; i < NOTES; i++) {
        step[i] = phase_step(notes[i]);
        swell_step[i] = phase_step(0.7 + 0.45 * i);
    }
    uint32_t sweep = 0, noise = 0x9e3779b9u;
    unsigned char *p = buf + WAV_HEADER;
    for (uint32_t f = 0; f < frames; f++) {
        double left = 0, right = 0;
        for (int i = 0; i < NOTES; i++) {
            double v = phase_sine(phase[i]) * (0.55 + 0.45 * phase_sine(swell[i])) * 0.11;
            left += (i & 1) ? v * 0.6 : v;
            right += (i & 1) ? v : v * 0.6;
            phase[i] += step[i];
            swell[i] += swell_step[i];
        }
        /* 200 Hz to 16 kHz over every second, in the left channel. */
        double sweep_hz = 200.0 + 15800.0 * (double)(f % RATE) / RATE;
        sweep += phase_step(sweep_hz);
        left += 0.08 * phase_sine(sweep);
        for (int c = 0; c < CHANNELS; c++) {
            noise ^= noise << 13;
            noise ^= noise >> 17;
            noise ^= noise << 5;
            double n = ((double)(noise >> 8) / 8388608.0 - 1.0) * 0.08;
            if (c == 0)
                left += n;
            else
                right += n;
        }
        put_le16(p, (uint16_t)to_sample(left));
        put_le16(p + 2, (uint16_t)to_sample(right));
        p += 4;
    }

    int fd = xopen(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    for (size_t done = 0; done < size; done += 65536) {
        size_t len = size - done < 65536 ? size - done : 65536;
        xwrite_exact(fd, buf + done, len, "writing " WAV_FILE);
    }
    xclose(fd);
    free(buf);
}

/* LAME's log on our stderr, for a failed encode. */
static void copy_log_to_stderr(void)
{
    char chunk[4096];
    int fd = open(LOG_FILE, O_RDONLY);
    if (fd < 0)
        return;
    ssize_t got;
    while ((got = read(fd, chunk, sizeof chunk)) > 0)
        if (write(2, chunk, (size_t)got) != got)
            break;
    close(fd);
}

static void wait_encoder(pid_t pid)
{
    char why[64];
    if (wait_child(pid, 0, why, sizeof why))
        return;
    copy_log_to_stderr();
    die_msg("lame", why);
}

/* FNV-1a 64 of the file's bytes, mixed with its size into check. */
static uint64_t check_file(uint64_t check, const char *path)
{
    static unsigned char chunk[65536];
    uint64_t hash = 0xcbf29ce484222325ULL, size = 0;
    int fd = xopen(path, O_RDONLY, 0);
    ssize_t got;
    while ((got = read(fd, chunk, sizeof chunk)) > 0) {
        for (ssize_t i = 0; i < got; i++)
            hash = (hash ^ chunk[i]) * 0x100000001b3ULL;
        size += (uint64_t)got;
    }
    if (got < 0)
        die_errno(path);
    xclose(fd);
    if (size == 0)
        die_msg(path, "empty");
    return check_mix(check_mix(check, size), hash);
}

void bench_lame(struct run *r)
{
    /* The encoder is `lame` beside this program (own_path always has a '/'). */
    char lame[4096];
    const char *slash = strrchr(r->self, '/');
    int len = snprintf(lame, sizeof lame, "%.*s/lame", (int)(slash - r->self), r->self);
    if (len < 0 || (size_t)len >= sizeof lame)
        die_msg("lame path", "too long");
    if (access(lame, X_OK) != 0)
        die_errno(lame);

    char *args[EXEC_PREFIX_MAX + 8];
    int count = exec_argv(r, args, EXEC_PREFIX_MAX + 1, lame);
    args[count++] = "--preset";
    args[count++] = "insane";
    args[count++] = "-S";
    args[count++] = WAV_FILE;
    args[count++] = MP3_FILE;
    args[count] = NULL;

    write_wav(WAV_FILE, r->paper ? PAPER_FRAMES : QUICK_FRAMES);
    uint64_t check = check_mix(0, (uint64_t)r->n);
    double seconds = 0;
    for (long i = 0; i < r->n; i++) {
        run_timer_start(r);
        pid_t pid = xfork();
        if (pid == 0) {
            /* LAME prints a banner even with -S; it goes to the log so
             * that the result line stays the only output. */
            int log = xopen(LOG_FILE, O_WRONLY | O_CREAT | O_TRUNC, 0644);
            if (dup2(log, 1) < 0 || dup2(log, 2) < 0)
                die_errno("dup2");
            xclose(log);
            execve(args[0], args, environ);
            /* stderr is the log now; die_errno's message ends up there. */
            die_errno(args[0]);
        }
        wait_encoder(pid);
        run_timer_stop(r);
        seconds += r->seconds;
        check = check_file(check, MP3_FILE);
    }
    r->seconds = seconds;
    r->check = check;
    xunlink(WAV_FILE);
    xunlink(MP3_FILE);
    xunlink(LOG_FILE);
}
