/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Small helpers for parent-side code: cleanup attributes, growing string
 * arrays, bounded reads, the value parsers shared by the option table.
 * Nothing here may be called between clone and exec. */
#pragma once

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/types.h>
#include <unistd.h>

#define _cleanup_(f) __attribute__((cleanup(f)))
#define _printf_(a, b) __attribute__((format(printf, a, b)))
#define _unused_ __attribute__((unused))
#define _fallthrough_ __attribute__((fallthrough))
#define ELEMENTSOF(a) (sizeof(a) / sizeof((a)[0]))

static inline void freep(void *p)
{
        int saved = errno;
        free(*(void **) p);
        errno = saved;
}

static inline void closep(int *fd)
{
        if (*fd >= 0) {
                int saved = errno;
                (void) close(*fd);      /* nothing useful to do on failure */
                errno = saved;
        }
}

#define _cleanup_free_ _cleanup_(freep)
#define _cleanup_close_ _cleanup_(closep)
#define TAKE_PTR(p) ({ __typeof__(p) _p = (p); (p) = NULL; _p; })
#define TAKE_FD(fd) ({ int _fd = (fd); (fd) = -1; _fd; })

static inline int safe_close(int fd)
{
        if (fd >= 0) {
                int saved = errno;
                (void) close(fd);
                errno = saved;
        }
        return -1;
}

/* A message kept on the object a failure concerns; never global. */
struct osb_diag {
        char msg[1024];
};

int diag_set(struct osb_diag *d, int r, const char *fmt, ...) _printf_(3, 4);
/* Like diag_set(), with ": <strerror(-r)>" appended. */
int diag_errno(struct osb_diag *d, int r, const char *fmt, ...) _printf_(3, 4);
void diag_clear(struct osb_diag *d);
/* Copies IN to OUT (SIZE bytes, NUL-terminated), each control character
 * (below 0x20, 0x7f, C1 U+0080..U+009F) and each byte that is not part of
 * valid UTF-8 written as \xNN, cut short at a character boundary; returns
 * the length written. Every diag message goes through it. */
size_t escape_text(const char *in, char *out, size_t size);
const char *errno_text(int err);         /* thread-safe strerror, err > 0 */

/* A NULL-terminated, growing array of malloc'ed strings. */
struct strv {
        char **v;
        size_t n, cap;
};
int strv_push(struct strv *s, const char *str);        /* copies STR */
int strv_push_take(struct strv *s, char *str);         /* takes STR */
int strv_pushf(struct strv *s, const char *fmt, ...) _printf_(2, 3);
void strv_done(struct strv *s);
/* A NULL-terminated vector V packed as NUL-terminated strings, one after
 * the other (init's messages): the bytes it takes, its count in *RET_COUNT;
 * and the packing at AT, returning the end. NULL V: nothing. */
size_t strv_packed_size(char *const *v, size_t *ret_count);
char *strv_pack(char *at, char *const *v);

char *strdup_printf(const char *fmt, ...) _printf_(1, 2);
bool streq_ptr(const char *a, const char *b);
bool startswith(const char *s, const char *prefix);

/* Joins BASE and a relative PATH lexically ("." and ".." folded, no
 * symlinks followed); an absolute PATH is only normalized. */
int path_make_absolute(const char *path, const char *base, char **ret);
/* True if PATH equals PREFIX or lies below it (both normalized, absolute). */
bool path_startswith(const char *path, const char *prefix);

int read_full_fd(int fd, size_t max, char **ret, size_t *ret_len);
/* mkdir -p of PATH, below the directory BASE (both absolute, normalized):
 * BASE is opened as any path, then each component below it is opened with
 * O_NOFOLLOW, and made with MODE where it is missing. -EXDEV: PATH is not
 * below BASE; -ELOOP: a component is a symbolic link; -ENOTDIR. */
int mkdir_below(const char *base, const char *path, mode_t mode);
/* FD, or a close-on-exec copy of it >= 3 when it is 0-2 (closed by the
 * caller): the library's fds must never be where stdio goes. */
int fd_move_above_stdio(int fd);
/* The home directory and login name of UID from /etc/passwd. NSS is not
 * consulted: this is the fallback when $HOME or $USER are missing, and the
 * oslbox program is linked statically, where NSS cannot be loaded. */
int passwd_lookup(uid_t uid, char **ret_home, char **ret_name);
int read_small(const char *path, char *buf, size_t size);     /* one read(2), NUL-terminated */

/* The whole pages of every loaded object's read-only segments (text,
 * read-only data: PT_LOAD without PF_W, which nothing writes; RELRO is
 * inside a writable one), into V (at most MAX); their count. A
 * long-lived process that has done its setup drops them with
 * text_drop() (MADV_DONTNEED: the page cache keeps them, what is run
 * again is mapped again), so that its resident set is what it still runs,
 * not all the code it ever ran. text_ranges() takes the dynamic linker's
 * lock: call it before a clone; text_drop() is async-signal-safe. */
struct text_range {
        uintptr_t start;
        size_t len;
};
#define TEXT_RANGES_MAX 64
size_t text_ranges(struct text_range *v, size_t max);
void text_drop(const struct text_range *v, size_t n);
int read_one_line(const char *path, char *buf, size_t size);  /* ... up to the first newline */

/* Parsers shared by the option table; each returns -EINVAL on bad input. */
int parse_duration_ms(const char *s, uint64_t *ret_ms);  /* 500ms 30s 5m 1h 7 */
int parse_size(const char *s, uint64_t *ret_bytes);      /* 64M 1G 4096 */
int parse_uint64(const char *s, uint64_t *ret);
