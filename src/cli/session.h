/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Named sandboxes: the per-user state, the protocol between a sandbox's
 * supervisor and its clients, and the scrollback ring (session.c), the
 * supervisor itself (supervisor.c) and the attach client (attach.c). The
 * protocol is described at the top of session.c.
 */
#ifndef OSLBOX_CLI_SESSION_H
#define OSLBOX_CLI_SESSION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <oslbox.h>

#define SESSION_NAME_MAX 64
#define SESSION_RING_BYTES (256 * 1024)         /* the scrollback, and what logs keeps */
#define SESSION_MSG_MAX (64 * 1024)             /* a message's payload, at most */
#define SESSION_DATA_MAX (32 * 1024)            /* output bytes in one DATA message */
#define SESSION_FILE_MAX (1024 * 1024)          /* info and status files, at most */
#define SESSION_DETACH_KEYS_MAX 8

/* --- names and the state directory -------------------------------------- */

/* 0 when NAME is 1-64 of [A-Za-z0-9_.-] not starting with '.' or '-'. */
int session_name_check(const char *name);

/* The caller's state directory, $XDG_RUNTIME_DIR/oslbox (else
 * /run/user/UID/oslbox, else /tmp/oslbox-UID), made when missing and
 * checked: a directory, the caller's, mode 0700. Returns an O_PATH fd,
 * or prints why not and returns -1. *RET_PATH (may be NULL) is its path,
 * for messages, malloc'ed. */
int state_open(bool create, char **ret_path);

/* The directory of session NAME in the state directory STATE, checked as
 * the state directory is: an fd, -ENOENT when there is none, or another
 * -errno (with a message printed for anything but ENOENT). */
int session_dir_open(int state, const char *name, bool create);

/* The session's lock: held (flock LOCK_EX) by whoever starts the session,
 * then by its supervisor for its whole life. Returns the fd with the lock
 * taken, -EBUSY when someone holds it (the session runs), or -errno. */
int session_lock(int dir, bool wait);

/* Removes the session's files (all but the lock, or with the lock and the
 * directory itself when ALL); the caller holds the lock. */
void session_clear(int state, int dir, const char *name, bool all);

/* --- the files of a session ---------------------------------------------- */

/* What a session's "info" file holds (written when it starts) and its
 * "status" file (written when it ended). */
struct session_info {
        pid_t supervisor_pid;
        pid_t sandbox_pid;
        int64_t started_s;      /* Unix time */
        bool pty;
        char detach_keys[64];
        char *cwd;
        char **argv;            /* NULL-terminated */
        size_t argc;
        /* From the status file, or the supervisor: */
        bool ended;
        int status;             /* what oslbox wait exits with */
        int clients;            /* attached clients, from the supervisor; -1: unknown */
};
void session_info_done(struct session_info *info);

/* Writes the file NAME of DIR (a temporary file renamed over it). */
int session_write_file(int dir, const char *name, const void *data, size_t len);
/* Reads the regular file NAME of DIR (at most MAX bytes), opened without
 * following a link or blocking: -ENOENT when missing. */
int session_read_file(int dir, const char *name, size_t max, char **ret_data, size_t *ret_len);

/* The text of an info file, and back. */
char *session_info_format(const struct session_info *info);
int session_info_parse(const char *text, struct session_info *info);
/* The status file: "status N". */
int session_status_read(int dir, int *ret_status);
int session_status_write(int dir, int status);

/* RFC 3339 in UTC: 2026-11-22T09:41:00Z. BUF holds 32 bytes. */
void session_time_format(int64_t t, char *buf);

/* --- the protocol ------------------------------------------------------- */

enum session_msg_type {
        /* client -> supervisor: one request first, then input */
        REQ_INFO = 1,           /* -> MSG_INFO */
        REQ_ATTACH,             /* a: rows, b: cols, c: ATTACH_* -> MSG_ATTACHED, MSG_DATA..., MSG_EXIT */
        REQ_LOGS,               /* c: LOGS_FOLLOW -> MSG_DATA..., MSG_END (or MSG_EXIT when following) */
        REQ_WAIT,               /* -> MSG_EXIT */
        REQ_STOP,               /* a, b: kill-after in ms, high and low 32 bits (0: now); -> MSG_EXIT */
        REQ_EXEC,               /* payload: see exec.c; fds 0-2 unless EXEC_PTY -> MSG_STARTED or
                                   MSG_FAILED, then MSG_EXIT */
        IN_DATA,                /* typed input (attach, with ATTACH_INPUT) */
        IN_RESIZE,              /* a: rows, b: cols */
        IN_SIGNAL,              /* a: signal number (the run that started it, exec) */
        /* supervisor -> client */
        MSG_INFO = 100,         /* payload: the info file's text, and "clients N" */
        MSG_ATTACHED,           /* a: 1 for a PTY; payload: the detach keys */
        MSG_DATA,               /* a: 1 for a PTY or stdout, 2 for stderr; payload: the bytes */
        MSG_END,                /* the output so far was sent */
        MSG_EXIT,               /* a: the status oslbox exits with; payload: a message or nothing */
        MSG_STARTED,            /* a: the command's pid; fd: the PTY of exec --pty */
        MSG_FAILED,             /* a: 125, 126 or 127; payload: the message */
        MSG_REFUSED,            /* payload: why (another user; a bad request) */
};

enum {
        ATTACH_INPUT = 1 << 0,  /* may type */
        ATTACH_RUN = 1 << 1,    /* oslbox run itself: signals are passed on */
        ATTACH_NOECHO = 1 << 2, /* stdin is no terminal: the PTY does not echo */
        LOGS_FOLLOW = 1 << 0,
        EXEC_PTY = 1 << 0,
};

/* The payload of REQ_EXEC: this, then NUL-terminated strings: the working
 * directory ("" for the sandbox's), ARGC arguments, ENVC variables of the
 * caller's environment, SETC NAME=VALUE of --env. */
struct exec_req {
        uint32_t flags;         /* EXEC_PTY */
        uint16_t rows, cols;
        uint64_t timeout_ms;    /* 0: none */
        uint32_t argc, envc, setc;
};

struct session_msg {
        uint32_t type;
        uint32_t a, b, c;
};

/* Sends one message: header, payload (LEN bytes, at most SESSION_MSG_MAX)
 * and up to 3 fds. 0, -EAGAIN on a nonblocking socket that is full, -errno. */
int session_send(int fd, uint32_t type, uint32_t a, uint32_t b, uint32_t c, const void *payload, size_t len,
                 const int *fds, size_t n_fds);
/* Receives one message into M and BUF (SESSION_MSG_MAX + 1 bytes: the
 * payload, NUL-terminated), and its fds (at most 3; close-on-exec) into
 * FDS. Returns the payload's length, 0 on end-of-file with M->type 0,
 * -EAGAIN, -EBADMSG on a malformed one, -errno. */
ssize_t session_recv(int fd, struct session_msg *m, char *buf, int *fds, size_t *n_fds);

/* Connects to the supervisor of session NAME of the caller, and checks
 * that it is the caller's. The fd, or -ENOENT / -ECONNREFUSED when no
 * supervisor listens (the session ended, or its supervisor died); other
 * failures print a message and return -EPERM or -EIO. */
int session_connect(int dir, const char *name);
/* The supervisor's listening socket in DIR. */
int session_listen(int dir);

/* Whether the peer of socket FD is this user; ret_uid its uid. */
bool session_peer_is_us(int fd, uid_t *ret_uid);
/* 1 when the peer of socket FD is in our user namespace, 0 when it is in
 * another (a sandbox's: each has its own) or outside our pid namespace,
 * -errno when that cannot be told (it is gone, or its /proc/PID/ns/user
 * may not be read). */
int session_peer_in_our_userns(int fd);
/* Whether the peer of socket FD has a name (is bound): a connection that
 * the init of a sandbox of the landlock isolation mode made for one of its
 * commands (notify.c autobinds each), which shares our user namespace. No
 * client of ours binds its socket. */
bool session_peer_is_mediated(int fd);

/* --- the scrollback ----------------------------------------------------- */

/* The last SESSION_RING_BYTES bytes a sandbox wrote, and for a sandbox
 * without a PTY which of stdout and stderr each byte came from. Positions
 * count every byte ever written: a client's position tells what it has
 * seen; one that fell behind the oldest byte kept skips to it. */
struct ring {
        char *buf;
        uint8_t *err_bits;      /* bit per byte: 1 = stderr; NULL: one stream */
        uint64_t head;          /* bytes ever written */
};
int ring_init(struct ring *r, bool two_streams);
void ring_done(struct ring *r);
uint64_t ring_start(const struct ring *r);
void ring_write(struct ring *r, int stream, const char *data, size_t len);
/* Copies, from *POS (moved up to the start first), up to MAX bytes of one
 * stream and not across the end of the buffer, to OUT; sets *STREAM (1 or
 * 2); advances *POS. Returns how many (0: nothing new). */
size_t ring_read(const struct ring *r, uint64_t *pos, int *stream, char *out, size_t max);

/* The log file: what the ring held when the sandbox ended, as records of
 * one byte (the stream, 1 or 2), four (the length, little-endian) and the
 * bytes. */
int ring_save(const struct ring *r, int dir);

/* --- detach keys -------------------------------------------------------- */

/* The bytes of a detach-keys value (as the detach-keys directive checked
 * it): 1 to SESSION_DETACH_KEYS_MAX. -EINVAL when it is not one. */
int detach_keys_parse(const char *spec, unsigned char *keys, size_t *ret_n);

/* --- the supervisor (supervisor.c) -------------------------------------- */

struct named_run {
        const char *name;
        bool detach;
        bool pty;
        char *const *command;
};
/* oslbox run --name: starts the supervisor, which starts the sandbox; then
 * returns (--detach) or attaches. Returns the exit status. */
int named_run(struct oslbox_policy *pol, const struct named_run *run);

/* --- clients (attach.c) ------------------------------------------------- */

/* Connects the caller's terminal to the session on REF->conn (oslbox
 * run's, answered by MSG_STARTED, or a new connection): sends
 * REQ_ATTACH, then relays until the detach keys, the end or a signal.
 * KEYS: the detach keys to use, NULL: the session's. Returns the status to
 * exit with: 0 after a detach, the command's once it ended. */
struct session_ref;
int attach_session(struct session_ref *ref, const char *name, unsigned flags, const char *keys);

/* A session looked up for a client command: the state directory, the
 * session's directory, and a connection to its supervisor (-1 when it is
 * not running). Prints why and returns 125 when NAME is bad or unknown. */
struct session_ref {
        int state;
        int dir;
        int conn;
        char *state_path;
};
int session_find(const char *name, struct session_ref *ref);
void session_ref_done(struct session_ref *ref);
/* Waits on REF->conn for MSG_EXIT and sets *RET_STATUS to its status;
 * MSG_DATA is written to stdout and stderr on the way when OUTPUT. After
 * the connection ended without one, the status file's. Returns 0, or 125
 * (with a message) when there is no status. */
int session_wait_status(struct session_ref *ref, const char *name, bool output, int *ret_status);
/* The same, returning the status, or 125. */
int session_wait_exit(struct session_ref *ref, const char *name, bool output);

/* A duration ("500ms", "2s", as the policy's durations) in ms. */
int cli_duration(const char *v, uint64_t *ret_ms);

#endif
