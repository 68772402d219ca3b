/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The run report (the report directive): JSON, written with json-c when the
 * sandbox has ended. Fields are documented in oslbox(1).
 *
 * oslbox writes it with the caller's rights, and the command may have
 * changed anything it could reach on the way: the report's directory is
 * opened once, when the run starts, and at the end the report goes to a new
 * file in it (O_CREAT | O_EXCL: nothing followed, nothing that blocks) that
 * is then renamed over the name. A symlink or a FIFO the command planted at
 * the name is replaced, never written through or opened.
 */
#include "config.h"

#include <fcntl.h>
#include <json-c/json.h>
#include <linux/sched.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>

#include "denials.h"
#include "proc.h"

void report_target_done(struct report_target *t)
{
        t->dir_fd = safe_close(t->dir_fd);
        free(t->name);
        free(t->path);
        t->name = t->path = NULL;
}

int report_prepare(const char *path, struct report_target *ret, struct osb_diag *diag)
{
        _cleanup_free_ char *dir = NULL, *name = NULL, *copy = NULL;
        _cleanup_close_ int fd = -1;
        const char *slash = strrchr(path, '/');
        struct stat st;

        if (slash)
                dir = slash == path ? strdup("/") : strndup(path, (size_t) (slash - path));
        else
                dir = strdup(".");
        name = strdup(slash ? slash + 1 : path);
        copy = strdup(path);
        if (!dir || !name || !copy)
                return diag_errno(diag, -ENOMEM, "cannot keep the report path");
        if (!name[0] || strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
                return diag_set(diag, -EISDIR, "the report %s names a directory, not a file", path);
        fd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return diag_errno(diag, -errno, "cannot open the directory of the report %s", path);
        /* Refused now rather than after the run: a directory at the name,
         * a directory we may not write in. */
        if (fstatat(fd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(st.st_mode))
                return diag_set(diag, -EISDIR, "the report %s is a directory", path);
        if (faccessat(fd, "", W_OK | X_OK, AT_EMPTY_PATH | AT_EACCESS) < 0)
                return diag_errno(diag, -errno, "cannot write the report %s", path);
        *ret = (struct report_target) { .dir_fd = TAKE_FD(fd), .name = TAKE_PTR(name), .path = TAKE_PTR(copy) };
        return 0;
}

/* Creates a new file in DIR_FD under a name no one had: its fd, and the name. */
static int create_temporary(int dir_fd, char name[static 32])
{
        for (int tries = 0; tries < 16; tries++) {
                uint32_t rnd = 0;
                int fd;

                /* Unguessable is nice, not needed: O_EXCL decides. */
                if (getrandom(&rnd, sizeof(rnd), GRND_NONBLOCK) != (ssize_t) sizeof(rnd))
                        rnd = (uint32_t) now_ns() * 2654435761U + (uint32_t) tries;
                snprintf(name, 32, ".oslbox-report-%08x", (unsigned) rnd);
                fd = openat(dir_fd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_NOCTTY | O_NONBLOCK | O_CLOEXEC,
                            0666);
                if (fd >= 0 || errno != EEXIST)
                        return fd < 0 ? -errno : fd;
        }
        return -EEXIST;
}

static json_object *namespaces(uint64_t flags)
{
        static const struct { uint64_t flag; const char *name; } ns[] = {
                { CLONE_NEWUSER, "user" }, { CLONE_NEWNS, "mount" }, { CLONE_NEWPID, "pid" },
                { CLONE_NEWIPC, "ipc" },   { CLONE_NEWUTS, "uts" },  { CLONE_NEWNET, "net" },
        };
        json_object *a = json_object_new_array();
        for (size_t i = 0; a && i < ELEMENTSOF(ns); i++)
                if (flags & ns[i].flag)
                        json_object_array_add(a, json_object_new_string(ns[i].name));
        return a;
}

static json_object *rights(uint64_t mask, const char *const *names, size_t n)
{
        json_object *a = json_object_new_array();
        for (size_t i = 0; a && i < n; i++)
                if (mask & (1ULL << i))
                        json_object_array_add(a, json_object_new_string(names[i]));
        return a;
}

static json_object *landlock(const struct proc_layers *l)
{
        static const char *const fs[] = {
                "execute", "write_file", "read_file", "read_dir", "remove_dir", "remove_file",
                "make_char", "make_dir", "make_reg", "make_sock", "make_fifo", "make_block",
                "make_sym", "refer", "truncate", "ioctl_dev",
        };
        static const char *const net[] = { "bind_tcp", "connect_tcp" };
        static const char *const scope[] = { "abstract_unix_socket", "signal" };
        json_object *o = json_object_new_object();

        json_object_object_add(o, "abi", json_object_new_int(l->landlock_abi));
        json_object_object_add(o, "handled_fs", rights(l->landlock_fs, fs, ELEMENTSOF(fs)));
        json_object_object_add(o, "handled_net", rights(l->landlock_net, net, ELEMENTSOF(net)));
        json_object_object_add(o, "scoped", rights(l->landlock_scoped, scope, ELEMENTSOF(scope)));
        return o;
}

static json_object *str_or_null(const char *s)
{
        return s ? json_object_new_string(s) : NULL;
}

/* log-denials: what the sandbox refused, as denials_collect() found it. */
static json_object *denials(const struct denials *d)
{
        json_object *a = json_object_new_array();
        const struct oslbox_denial *v;
        size_t n = denials_get(d, &v, NULL);

        for (size_t i = 0; a && i < n; i++) {
                json_object *o = json_object_new_object();
                json_object_object_add(o, "layer", json_object_new_string(v[i].layer));
                json_object_object_add(o, "what", json_object_new_string(v[i].what));
                json_object_object_add(o, "syscall", str_or_null(v[i].syscall));
                if (v[i].path)
                        json_object_object_add(o, "path", json_object_new_string(v[i].path));
                if (v[i].address)
                        json_object_object_add(o, "address", json_object_new_string(v[i].address));
                json_object_object_add(o, "process", json_object_new_string(v[i].process));
                json_object_object_add(o, "pid", v[i].pid > 0 ? json_object_new_int(v[i].pid) : NULL);
                json_object_object_add(o, "count", json_object_new_uint64(v[i].count));
                json_object_object_add(o, "reason", json_object_new_string(v[i].reason));
                json_object_object_add(o, "allow", str_or_null(v[i].allow));
                json_object_array_add(a, o);
        }
        return a;
}

int report_write(const struct oslbox_proc *p, struct osb_diag *diag)
{
        const struct oslbox_result *res = &p->result;
        const struct report_target *t = &p->report;
        json_object *root = json_object_new_object(), *layers, *seccomp;
        const char *text;
        char tmp[32];
        int fd, r = 0;
        size_t len;

        if (!root)
                return diag_errno(diag, -ENOMEM, "cannot write the report %s", t->path);
        json_object_object_add(root, "exit_code",
                               res->exit_code >= 0 ? json_object_new_int(res->exit_code) : NULL);
        json_object_object_add(root, "signal", res->signal ? json_object_new_int(res->signal) : NULL);
        json_object_object_add(root, "timed_out", json_object_new_boolean(res->timed_out));
        json_object_object_add(root, "wall_ms", json_object_new_uint64(res->wall_ms));
        json_object_object_add(root, "cpu_ms", json_object_new_uint64(res->cpu_ms));
        json_object_object_add(root, "max_rss_kb", json_object_new_uint64(res->max_rss_kb));
        /* Known only with a cgroup; null otherwise. */
        json_object_object_add(root, "memory_peak_kb",
                               res->memory_peak_kb ? json_object_new_uint64(res->memory_peak_kb) : NULL);
        /* Only a memory cgroup tells: root's default pids cgroup does not. */
        json_object_object_add(root, "oom_killed",
                               p->cgroup_used && res->memory_limit_kb ? json_object_new_boolean(res->oom_killed)
                                                                      : NULL);
        json_object_object_add(root, "pids_peak", res->pids_peak ? json_object_new_uint64(res->pids_peak) : NULL);
        /* The process limit in force; null where none binds (the default
         * limit without a user namespace and without a cgroup). */
        json_object_object_add(root, "pids_limit",
                               p->layers.pids_limited && p->pids_limit ? json_object_new_uint64(p->pids_limit) : NULL);
        json_object_object_add(root, "isolation",
                               json_object_new_string(p->layers.landlock_mode ? "landlock" : "namespaces"));
        /* Why isolation auto did not take namespaces; null when it did, or was not asked to choose. */
        json_object_object_add(root, "isolation_reason",
                               p->isolation_reason[0] ? json_object_new_string(p->isolation_reason) : NULL);

        layers = json_object_new_object();
        json_object_object_add(layers, "namespaces", namespaces(p->layers.clone_flags));
        json_object_object_add(layers, "landlock", landlock(&p->layers));
        seccomp = json_object_new_object();
        json_object_object_add(seccomp, "mode", json_object_new_string("filter"));
        json_object_object_add(seccomp, "instructions", json_object_new_int((int) p->layers.seccomp_len));
        json_object_object_add(seccomp, "socket_families",
                               json_object_new_string(p->layers.seccomp_net_inet ? "unix, inet and inet6"
                                                      : p->layers.seccomp_net_filter ? "unix" : "all but vsock"));
        json_object_object_add(layers, "seccomp", seccomp);
        json_object_object_add(layers, "capabilities", json_object_new_string("none"));
        json_object_object_add(layers, "no_new_privs", json_object_new_boolean(true));
        json_object_object_add(layers, "network",
                               json_object_new_string(p->layers.net == OSB_NET_HOST ? "host" : "none"));
        json_object_object_add(root, "layers", layers);
        if (p->denials) {
                uint64_t unlisted = 0;
                const struct oslbox_denial *v;
                (void) denials_get(p->denials, &v, &unlisted);
                json_object_object_add(root, "denials", denials(p->denials));
                json_object_object_add(root, "denials_unlisted", json_object_new_uint64(unlisted));
        }

        text = json_object_to_json_string_length(root, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED,
                                                 &len);
        fd = create_temporary(t->dir_fd, tmp);
        if (fd < 0)
                r = fd;
        else {
                errno = 0;
                if (!text)
                        r = -ENOMEM;
                else if (write(fd, text, len) != (ssize_t) len || write(fd, "\n", 1) != 1)
                        r = errno ? -errno : -ENOSPC;   /* a short write: the disk is full */
                if (close(fd) < 0 && r == 0)
                        r = -errno;
                if (r == 0 && renameat(t->dir_fd, tmp, t->dir_fd, t->name) < 0)
                        r = -errno;
                if (r < 0)
                        (void) unlinkat(t->dir_fd, tmp, 0);     /* ours: best effort */
        }
        json_object_put(root);
        if (r < 0)
                return diag_errno(diag, r, "cannot write the report %s", t->path);
        return 0;
}
