/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <ctype.h>
#include <fcntl.h>
#include <link.h>
#include <malloc.h>
#include <sys/mman.h>
#include <pwd.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "oslbox.h"
#include "util.h"

const char *errno_text(int err)
{
        const char *s = strerrordesc_np(err);
        return s ? s : "Unknown error";
}

/* The length of the valid UTF-8 sequence at S that is not a C1 control
 * (U+0080..U+009F), or 0. Overlong forms, surrogates and code points past
 * U+10FFFF are not valid (RFC 3629). */
static size_t utf8_printable_len(const unsigned char *s)
{
        unsigned char c = s[0];
        size_t n;

        if (c >= 0xc2 && c <= 0xdf)
                n = 2;
        else if (c >= 0xe0 && c <= 0xef)
                n = 3;
        else if (c >= 0xf0 && c <= 0xf4)
                n = 4;
        else
                return 0;
        for (size_t i = 1; i < n; i++)
                if ((s[i] & 0xc0) != 0x80)
                        return 0;
        if ((c == 0xc2 && s[1] <= 0x9f) ||             /* C1 controls */
            (c == 0xe0 && s[1] < 0xa0) || (c == 0xf0 && s[1] < 0x90) ||        /* overlong */
            (c == 0xed && s[1] >= 0xa0) ||             /* surrogates */
            (c == 0xf4 && s[1] >= 0x90))               /* past U+10FFFF */
                return 0;
        return n;
}

size_t escape_text(const char *in, char *out, size_t size)
{
        const unsigned char *p = (const unsigned char *) in;
        size_t o = 0;

        if (size == 0)
                return 0;
        while (*p) {
                size_t n = *p >= 0x20 && *p < 0x7f ? 1 : utf8_printable_len(p);
                if (n == 0) {
                        if (o + 4 >= size)
                                break;
                        snprintf(out + o, size - o, "\\x%02x", *p++);
                        o += 4;
                        continue;
                }
                if (o + n >= size)
                        break;          /* never half a character */
                memcpy(out + o, p, n);
                o += n;
                p += n;
        }
        out[o] = '\0';
        return o;
}

/* Messages quote input (policy lines, paths, values): what they hold is
 * made safe for a terminal here, once for every message. Escaping is
 * idempotent, so a message quoting another is not escaped twice. */
static _printf_(4, 0) int diag_vset(struct osb_diag *d, int r, bool with_errno, const char *fmt, va_list ap)
{
        char raw[sizeof(d->msg)];
        int n = vsnprintf(raw, sizeof(raw), fmt, ap);
        if (with_errno && n >= 0 && (size_t) n < sizeof(raw))
                snprintf(raw + n, sizeof(raw) - (size_t) n, ": %s", errno_text(r < 0 ? -r : r));
        escape_text(raw, d->msg, sizeof(d->msg));
        return r;
}

int diag_set(struct osb_diag *d, int r, const char *fmt, ...)
{
        va_list ap;
        va_start(ap, fmt);
        diag_vset(d, r, false, fmt, ap);
        va_end(ap);
        return r;
}

int diag_errno(struct osb_diag *d, int r, const char *fmt, ...)
{
        va_list ap;
        va_start(ap, fmt);
        diag_vset(d, r, true, fmt, ap);
        va_end(ap);
        return r;
}

void diag_clear(struct osb_diag *d)
{
        d->msg[0] = '\0';
}

int strv_push_take(struct strv *s, char *str)
{
        if (!str)
                return -ENOMEM;
        if (s->n + 2 > s->cap) {
                size_t cap = s->cap ? s->cap * 2 : 8;
                char **v = realloc(s->v, cap * sizeof(char *));
                if (!v) {
                        free(str);
                        return -ENOMEM;
                }
                s->v = v;
                s->cap = cap;
        }
        s->v[s->n++] = str;
        s->v[s->n] = NULL;
        return 0;
}

int strv_push(struct strv *s, const char *str)
{
        return strv_push_take(s, strdup(str));
}

int strv_pushf(struct strv *s, const char *fmt, ...)
{
        char *str = NULL;
        va_list ap;
        va_start(ap, fmt);
        if (vasprintf(&str, fmt, ap) < 0)
                str = NULL;
        va_end(ap);
        return strv_push_take(s, str);
}

size_t strv_packed_size(char *const *v, size_t *ret_count)
{
        size_t n = 0;

        *ret_count = 0;
        for (; v && *v; v++, (*ret_count)++)
                n += strlen(*v) + 1;
        return n;
}

char *strv_pack(char *at, char *const *v)
{
        for (; v && *v; v++) {
                size_t n = strlen(*v) + 1;
                memcpy(at, *v, n);
                at += n;
        }
        return at;
}

void strv_done(struct strv *s)
{
        for (size_t i = 0; i < s->n; i++)
                free(s->v[i]);
        free(s->v);
        *s = (struct strv) {};
}

char *strdup_printf(const char *fmt, ...)
{
        char *str = NULL;
        va_list ap;
        va_start(ap, fmt);
        if (vasprintf(&str, fmt, ap) < 0)
                str = NULL;
        va_end(ap);
        return str;
}

bool streq_ptr(const char *a, const char *b)
{
        if (!a || !b)
                return a == b;
        return strcmp(a, b) == 0;
}

bool startswith(const char *s, const char *prefix)
{
        return strncmp(s, prefix, strlen(prefix)) == 0;
}

int path_make_absolute(const char *path, const char *base, char **ret)
{
        size_t cap = strlen(path) + (base ? strlen(base) : 0) + 3;
        _cleanup_free_ char *out = malloc(cap);
        size_t len = 0;

        if (!out)
                return -ENOMEM;
        if (!*path)
                return -EINVAL;
        if (path[0] != '/') {
                if (!base || base[0] != '/')
                        return -EINVAL;
        }
        out[0] = '\0';
        /* Fold components of BASE (when relative) and PATH into OUT. */
        for (int pass = 0; pass < 2; pass++) {
                const char *p = pass == 0 ? (path[0] == '/' ? "" : base) : path;
                while (*p) {
                        const char *c;
                        size_t n;
                        while (*p == '/')
                                p++;
                        c = p;
                        while (*p && *p != '/')
                                p++;
                        n = (size_t) (p - c);
                        if (n == 0 || (n == 1 && c[0] == '.'))
                                continue;
                        if (n == 2 && c[0] == '.' && c[1] == '.') {
                                while (len > 0 && out[len - 1] != '/')
                                        len--;
                                if (len > 0)
                                        len--;
                                out[len] = '\0';
                                continue;
                        }
                        out[len++] = '/';
                        memcpy(out + len, c, n);
                        len += n;
                        out[len] = '\0';
                }
        }
        if (len == 0) {
                out[0] = '/';
                out[1] = '\0';
        }
        *ret = TAKE_PTR(out);
        return 0;
}

bool path_startswith(const char *path, const char *prefix)
{
        size_t n = strlen(prefix);
        if (strcmp(prefix, "/") == 0)
                return path[0] == '/';
        return strncmp(path, prefix, n) == 0 && (path[n] == '\0' || path[n] == '/');
}

int mkdir_below(const char *base, const char *path, mode_t mode)
{
        _cleanup_free_ char *rest = NULL;
        _cleanup_close_ int fd = -1;
        size_t n = strlen(base);

        if (base[0] != '/' || !path_startswith(path, base) || strcmp(path, base) == 0)
                return -EXDEV;
        rest = strdup(path + (n == 1 ? 1 : n + 1));     /* base "/" has its own slash */
        if (!rest)
                return -ENOMEM;
        fd = open(base, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        /* One component at a time, never through a symbolic link: one
         * planted before the run or between mkdirat and openat is refused. */
        for (char *c = rest, *next; *c; c = next) {
                int nfd;
                next = c + strcspn(c, "/");
                if (*next)
                        *next++ = '\0';
                nfd = openat(fd, c, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                if (nfd < 0 && errno == ENOENT) {
                        if (mkdirat(fd, c, mode) < 0 && errno != EEXIST)
                                return -errno;
                        nfd = openat(fd, c, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                }
                if (nfd < 0)
                        return -errno;
                safe_close(fd);
                fd = nfd;
        }
        return 0;
}

int read_full_fd(int fd, size_t max, char **ret, size_t *ret_len)
{
        size_t cap = 4096, len = 0;
        _cleanup_free_ char *buf = malloc(cap + 1);

        if (!buf)
                return -ENOMEM;
        for (;;) {
                ssize_t k;
                if (len == cap) {
                        char *nbuf;
                        if (cap >= max)
                                return -EFBIG;
                        cap = cap * 2 > max ? max : cap * 2;
                        nbuf = realloc(buf, cap + 1);
                        if (!nbuf)
                                return -ENOMEM;
                        buf = nbuf;
                }
                k = read(fd, buf + len, cap - len);
                if (k < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                if (k == 0)
                        break;
                len += (size_t) k;
        }
        buf[len] = '\0';
        if (ret_len)
                *ret_len = len;
        *ret = TAKE_PTR(buf);
        return 0;
}

int read_small(const char *path, char *buf, size_t size)
{
        _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        ssize_t k;

        if (fd < 0)
                return -errno;
        k = read(fd, buf, size - 1);
        if (k < 0)
                return -errno;
        buf[k] = '\0';
        return 0;
}

int read_one_line(const char *path, char *buf, size_t size)
{
        int r = read_small(path, buf, size);
        if (r >= 0)
                buf[strcspn(buf, "\n")] = '\0';
        return r;
}

int parse_uint64(const char *s, uint64_t *ret)
{
        char *end;
        unsigned long long v;

        if (!s || !isdigit((unsigned char) s[0]))
                return -EINVAL;
        errno = 0;
        v = strtoull(s, &end, 10);
        if (errno == ERANGE)
                return -ERANGE;
        if (*end)
                return -EINVAL;
        *ret = v;
        return 0;
}

/* Splits "123unit" into its number and the unit suffix. */
static int split_number(const char *s, uint64_t *ret, const char **ret_unit)
{
        const char *p = s;
        uint64_t v = 0;

        if (!s || !isdigit((unsigned char) *p))
                return -EINVAL;
        for (; isdigit((unsigned char) *p); p++) {
                if (v > (UINT64_MAX - (uint64_t) (*p - '0')) / 10)
                        return -ERANGE;
                v = v * 10 + (uint64_t) (*p - '0');
        }
        *ret = v;
        *ret_unit = p;
        return 0;
}

struct unit {
        const char *suffix;
        uint64_t factor;
};

/* A number with one of UNITS' suffixes, scaled; -ERANGE above MAX. */
static int parse_scaled(const char *s, const struct unit *units, size_t n_units, uint64_t max, uint64_t *ret)
{
        const char *suffix;
        uint64_t v;
        int r = split_number(s, &v, &suffix);

        if (r < 0)
                return r;
        for (size_t i = 0; i < n_units; i++) {
                if (strcmp(suffix, units[i].suffix) != 0)
                        continue;
                if (v > max / units[i].factor)
                        return -ERANGE;
                *ret = v * units[i].factor;
                return 0;
        }
        return -EINVAL;
}

int parse_duration_ms(const char *s, uint64_t *ret_ms)
{
        static const struct unit units[] = {
                { "", 1000 }, { "ms", 1 }, { "s", 1000 }, { "m", 60000 }, { "h", 3600000 },
        };
        /* In nanoseconds from now it must still fit: about 292 years. */
        return parse_scaled(s, units, ELEMENTSOF(units), (uint64_t) INT64_MAX / 1000000, ret_ms);
}

int parse_size(const char *s, uint64_t *ret_bytes)
{
        static const struct unit units[] = {
                { "", 1 }, { "K", 1ULL << 10 }, { "M", 1ULL << 20 }, { "G", 1ULL << 30 }, { "T", 1ULL << 40 },
        };
        return parse_scaled(s, units, ELEMENTSOF(units), UINT64_MAX, ret_bytes);
}

int passwd_lookup(uid_t uid, char **ret_home, char **ret_name)
{
        FILE *f = fopen("/etc/passwd", "re");
        struct passwd pw, *res = NULL;
        char buf[4096];
        int r = -ENOENT;

        if (!f)
                return -errno;
        while (fgetpwent_r(f, &pw, buf, sizeof(buf), &res) == 0 && res)
                if (pw.pw_uid == uid) {
                        *ret_home = strdup(pw.pw_dir);
                        *ret_name = strdup(pw.pw_name);
                        r = *ret_home && *ret_name ? 0 : -ENOMEM;
                        if (r < 0) {
                                free(*ret_home);
                                free(*ret_name);
                        }
                        break;
                }
        fclose(f);
        return r;
}

int fd_move_above_stdio(int fd)
{
        int nfd;

        if (fd < 0 || fd > 2)
                return fd;
        nfd = fcntl(fd, F_DUPFD_CLOEXEC, 3);
        safe_close(fd);
        return nfd < 0 ? -errno : nfd;
}

struct text_walk {
        struct text_range *v;
        size_t n, max;
        uintptr_t page;
};

static int text_object(struct dl_phdr_info *info, size_t size, void *data)
{
        struct text_walk *w = data;

        for (size_t i = 0; i < info->dlpi_phnum && w->n < w->max; i++) {
                const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
                uintptr_t start, end;

                if (ph->p_type != PT_LOAD || (ph->p_flags & PF_W) || !ph->p_memsz)
                        continue;
                /* Whole pages only: a page shared with a writable
                 * segment keeps what was written to it. */
                start = (info->dlpi_addr + ph->p_vaddr + w->page - 1) & ~(w->page - 1);
                end = (info->dlpi_addr + ph->p_vaddr + ph->p_filesz) & ~(w->page - 1);
                if (end > start)
                        w->v[w->n++] = (struct text_range) { start, end - start };
        }
        return w->n < w->max ? 0 : 1;
}

size_t text_ranges(struct text_range *v, size_t max)
{
        long page = sysconf(_SC_PAGESIZE);
        struct text_walk w = { .v = v, .max = max, .page = page > 0 ? (uintptr_t) page : 4096 };

        (void) dl_iterate_phdr(text_object, &w);
        return w.n;
}

void text_drop(const struct text_range *v, size_t n)
{
        for (size_t i = 0; i < n; i++)
                (void) madvise((void *) v[i].start, v[i].len, MADV_DONTNEED);
}

OSLBOX_API void oslbox_release_memory(void)
{
        struct text_range v[TEXT_RANGES_MAX];

        text_drop(v, text_ranges(v, TEXT_RANGES_MAX));
        (void) malloc_trim(0);
}
