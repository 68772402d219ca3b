/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The run report (the report directive): JSON, written with json-c when the
 * sandbox has ended. Fields are documented in oslbox(1). */
#include "config.h"

#include <fcntl.h>
#include <json-c/json.h>
#include <linux/sched.h>
#include <sched.h>
#include <string.h>

#include "proc.h"

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

int report_write(const struct oslbox_proc *p, const char *path, struct osb_diag *diag)
{
        const struct oslbox_result *res = &p->result;
        json_object *root = json_object_new_object(), *layers, *seccomp;
        const char *text;
        int fd, r = 0;
        size_t len;

        if (!root)
                return diag_errno(diag, -ENOMEM, "cannot write the report %s", path);
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

        layers = json_object_new_object();
        json_object_object_add(layers, "namespaces", namespaces(p->layers.clone_flags));
        json_object_object_add(layers, "landlock", landlock(&p->layers));
        seccomp = json_object_new_object();
        json_object_object_add(seccomp, "mode", json_object_new_string("filter"));
        json_object_object_add(seccomp, "instructions", json_object_new_int((int) p->layers.seccomp_len));
        json_object_object_add(seccomp, "socket_families",
                               json_object_new_string(p->layers.seccomp_net_filter ? "unix" : "all but vsock"));
        json_object_object_add(layers, "seccomp", seccomp);
        json_object_object_add(layers, "capabilities", json_object_new_string("none"));
        json_object_object_add(layers, "no_new_privs", json_object_new_boolean(true));
        json_object_object_add(layers, "network",
                               json_object_new_string(p->layers.net == OSB_NET_HOST ? "host" : "none"));
        json_object_object_add(root, "layers", layers);

        text = json_object_to_json_string_length(root, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED,
                                                 &len);
        fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOCTTY, 0666);
        if (fd < 0)
                r = -errno;
        else {
                if (!text || write(fd, text, len) != (ssize_t) len || write(fd, "\n", 1) != 1)
                        r = text ? -errno : -ENOMEM;
                if (close(fd) < 0 && r == 0)
                        r = -errno;
        }
        json_object_put(root);
        if (r < 0)
                return diag_errno(diag, r ? r : -EIO, "cannot write the report %s", path);
        return 0;
}
