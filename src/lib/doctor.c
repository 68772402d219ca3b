/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * oslbox doctor: what this host and caller can confine with. Each probe
 * tries the real thing (a user namespace is created, a cgroup is made and
 * removed) rather than trusting a sysctl, and says yes or no with a detail;
 * sysctls and /proc/self/status only explain a failure and name its remedy.
 * The isolation line says which mode isolation auto takes here and why.
 */
#include "config.h"

#include <fcntl.h>
#include <limits.h>
#include <json-c/json.h>
#include <linux/sched.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>

#include "init.h"
#include "isolation.h"
#include "layers.h"
#include "oslbox.h"
#include "seccomp-layer.h"

#ifndef OSLBOX_APPARMOR_PROFILE
#define OSLBOX_APPARMOR_PROFILE "/etc/apparmor.d/oslbox"
#endif

/* The remedy for namespaces failing as RES says, or NULL. */
static const char *userns_remedy(const struct ns_probe_result *res, char *buf, size_t size)
{
        char v[64] = "";

        if (res->step == NS_STEP_PROC && res->err == EPERM)
                return NS_PROC_COVERED;
        if (res->step == NS_STEP_CLONE && res->err == ENOSYS) {
                snprintf(buf, size, "a seccomp filter refuses clone3 (a container's profile, as Docker's default "
                         "one does): namespaces need the container started with --security-opt seccomp=unconfined "
                         "or a profile allowing them");
                return buf;
        }
        if (res->step != NS_STEP_CLONE && res->step != NS_STEP_NONE && res->err == EPERM &&
            read_one_line("/proc/sys/kernel/apparmor_restrict_unprivileged_userns", v, sizeof(v)) == 0 &&
            strcmp(v, "1") == 0) {
                snprintf(buf, size, "AppArmor restricts unprivileged user namespaces "
                         "(kernel.apparmor_restrict_unprivileged_userns=1): oslbox's profile lets it create them; "
                         "load it with: sudo apparmor_parser -r %s (make install puts it there where configure "
                         "finds AppArmor)", OSLBOX_APPARMOR_PROFILE);
                return buf;
        }
        if (res->step == NS_STEP_CLONE && read_one_line("/proc/sys/user/max_user_namespaces", v, sizeof(v)) == 0 &&
            strcmp(v, "0") == 0) {
                snprintf(buf, size, "user namespaces are disabled (user.max_user_namespaces=0): sudo sysctl -w "
                         "user.max_user_namespaces=65536");
                return buf;
        }
        if (res->step == NS_STEP_CLONE &&
            read_one_line("/proc/sys/kernel/unprivileged_userns_clone", v, sizeof(v)) == 0 && strcmp(v, "0") == 0) {
                snprintf(buf, size, "unprivileged user namespaces are disabled: sudo sysctl -w "
                         "kernel.unprivileged_userns_clone=1");
                return buf;
        }
        if (res->step == NS_STEP_CLONE && res->err == EPERM && read_small("/proc/self/status", buf, size) == 0 &&
            strstr(buf, "\nSeccomp:\t2")) {
                snprintf(buf, size, "a seccomp filter refuses namespaces (a container's profile, as Docker's "
                         "default one does): namespaces need a profile allowing them");
                return buf;
        }
        return NULL;
}

#ifndef P_PIDFD
#define P_PIDFD 3
#endif

struct check {
        const char *name;
        bool ok;
        char detail[1024];
        json_object *extra;     /* merged into the JSON object */
};

static _printf_(3, 4) void set(struct check *c, bool ok, const char *fmt, ...)
{
        va_list ap;
        c->ok = ok;
        va_start(ap, fmt);
        vsnprintf(c->detail, sizeof(c->detail), fmt, ap);
        va_end(ap);
}

static void probe_kernel(struct check *c)
{
        struct utsname u;
        if (uname(&u) < 0)
                set(c, false, "uname: %s", errno_text(errno));
        else
                set(c, true, "%s %s", u.sysname, u.release);
}

static void probe_userns(struct check *c)
{
        char sysctl[64] = "";
        struct ns_probe_result res;
        int r = ns_probe(&res);

        c->extra = json_object_new_object();
        json_object_object_add(c->extra, "failed_step",
                               r == 0 ? NULL : json_object_new_string(ns_probe_step_name(res.step)));
        json_object_object_add(c->extra, "proc_covered",
                               json_object_new_boolean(res.step == NS_STEP_PROC && res.err == EPERM));
        if (r == 0) {
                set(c, true, "user, mount, pid, ipc and uts namespaces and a new procfs can be created by uid %u",
                    (unsigned) geteuid());
                return;
        }
        {
                char buf[1024];
                const char *remedy = userns_remedy(&res, buf, sizeof(buf));
                if (remedy && !(res.step == NS_STEP_PROC && res.err == EPERM)) {
                        set(c, false, "%s at %s: %s", errno_text(res.err), ns_probe_step_name(res.step), remedy);
                        return;
                }
        }
        if (res.step == NS_STEP_PROC && res.err == EPERM)
                set(c, false, "the namespaces can be created, but not a new procfs in them: %s: " NS_PROC_COVERED,
                    errno_text(res.err));
        else if (res.step == NS_STEP_PROC)
                set(c, false, "the namespaces can be created, but not a new procfs in them: %s",
                    errno_text(res.err));
        else if (res.step != NS_STEP_CLONE)
                set(c, false, "the namespaces can be created, but /proc/self/%s cannot be written: %s",
                    ns_probe_step_name(res.step), errno_text(res.err));
        else if (read_one_line("/proc/sys/kernel/unprivileged_userns_clone", sysctl, sizeof(sysctl)) == 0 &&
                 strcmp(sysctl, "0") == 0)
                set(c, false, "%s: disabled by kernel.unprivileged_userns_clone=0", errno_text(res.err));
        else if (read_one_line("/proc/sys/kernel/apparmor_restrict_unprivileged_userns", sysctl,
                               sizeof(sysctl)) == 0 && strcmp(sysctl, "1") == 0)
                set(c, false, "%s: restricted by AppArmor (kernel.apparmor_restrict_unprivileged_userns=1)",
                    errno_text(res.err));
        else
                set(c, false, "%s", errno_text(res.err));
}

static void probe_isolation(struct check *c)
{
        struct osb_config cfg;
        struct isolation_probe ip;
        struct ns_probe_result res;
        char buf[1024];
        const char *remedy;

        config_init(&cfg);
        (void) isolation_probe(&cfg, &ip);
        res = (struct ns_probe_result) { .step = ip.step, .err = ip.err };
        remedy = ip.namespaces_ok ? NULL : userns_remedy(&res, buf, sizeof(buf));
        c->extra = json_object_new_object();
        json_object_object_add(c->extra, "mode",
                               ip.mode == OSB_ISOLATION_NAMESPACES ? json_object_new_string("namespaces")
                               : ip.mode == OSB_ISOLATION_LANDLOCK ? json_object_new_string("landlock") : NULL);
        json_object_object_add(c->extra, "namespaces_unavailable",
                               ip.namespaces_ok ? NULL : json_object_new_string(ip.why));
        json_object_object_add(c->extra, "landlock_refusal",
                               ip.landlock_ok ? NULL : json_object_new_string(ip.landlock_why));
        json_object_object_add(c->extra, "remedy", remedy ? json_object_new_string(remedy) : NULL);
        if (ip.mode == OSB_ISOLATION_NAMESPACES)
                set(c, true, "auto gives namespaces: this caller can create them here");
        else if (ip.mode == OSB_ISOLATION_LANDLOCK)
                set(c, true, "auto gives landlock: namespaces are not available (%s)%s%s; what the landlock mode "
                    "keeps and what differs is in oslbox(1), ISOLATION", ip.why, remedy ? "; " : "",
                    remedy ? remedy : "");
        else
                set(c, false, "no isolation mode is available here: %s (namespaces: %s)%s%s", ip.landlock_why, ip.why,
                    remedy ? "; " : "", remedy ? remedy : "");
}

static void probe_landlock(struct check *c)
{
        int abi = landlock_abi();

        c->extra = json_object_new_object();
        json_object_object_add(c->extra, "abi", json_object_new_int(abi));
        if (abi <= 0)
                set(c, false, "not available (%s): it needs Linux >= 5.13 (6.12 for the landlock isolation mode) with "
                    "landlock in the lsm= boot parameter, as in lsm=landlock,lockdown,yama,apparmor,bpf",
                    landlock_missing());
        else
                set(c, true, "ABI %d%s", abi,
                    abi >= 6 ? ": filesystem, TCP, signal and abstract socket scoping"
                    : abi >= 4 ? ": filesystem and TCP; no scoping (network none uses a netns; the landlock "
                                 "isolation mode needs no-signal-scoping)"
                    : abi >= 3 ? ": filesystem only (network none uses a netns; the landlock isolation mode "
                                 "needs no-signal-scoping)"
                    : ": filesystem without truncate (network none uses a netns; the landlock isolation mode "
                      "needs ABI 3)");
}

static void probe_seccomp(struct check *c)
{
        if (!seccomp_supported())
                set(c, false, "no seccomp filters with SECCOMP_RET_KILL_PROCESS: %s", errno_text(errno));
        else
                set(c, true, "filter mode with kill-process, errno and allow actions");
}

static void probe_clone3(struct check *c)
{
        int r = ns_probe_clone(0);
        if (r == 0)
                set(c, true, "clone3 with CLONE_PIDFD works");
        else
                set(c, false, "clone3: %s", errno_text(-r));
}

static void probe_pidfd(struct check *c)
{
        int fd = (int) syscall(SYS_pidfd_open, getpid(), 0);
        if (fd < 0) {
                set(c, false, "pidfd_open: %s", errno_text(errno));
                return;
        }
        close(fd);
        set(c, true, "pidfd_open, pidfd_send_signal, waitid(P_PIDFD)");
}

/* Informational, as cgroups are: where it is missing, a large caller's
 * sandboxes fork their init (init-exec.c), as confined, slower. */
static void probe_init_program(struct check *c)
{
        char path[PATH_MAX];
        int fd = init_program_open(path, sizeof(path));

        c->extra = json_object_new_object();
        json_object_object_add(c->extra, "path", json_object_new_string(path));
        if (fd >= 0) {
                close(fd);
                set(c, true, "%s (the sandboxes' init of a program with %d MiB or more resident)", path,
                    INIT_EXEC_MIN_KB / 1024);
        } else
                set(c, false, "%s: %s (a program with %d MiB or more resident forks its sandboxes' init: slower, "
                    "as confined)", path, errno_text(-fd), INIT_EXEC_MIN_KB / 1024);
}

static void probe_cgroup(struct check *c)
{
        json_object *o = json_object_new_object(), *jv1 = json_object_new_object();
        struct cgroup_probe cg;
        bool any = false;
        size_t off = 0;

        if (cgroup_probe(&cg) < 0) {
                set(c, false, "cannot read /proc/self/mountinfo or /proc/self/cgroup: %s", errno_text(errno));
                json_object_put(jv1);
                c->extra = o;
                return;
        }
        if (cg.v2[0]) {
                json_object_object_add(o, "v2", json_object_new_string(cg.v2));
                json_object_object_add(o, "v2_cgroup", json_object_new_string(cg.v2_dir));
                json_object_object_add(o, "v2_controllers", json_object_new_string(cg.v2_controllers));
                json_object_object_add(o, "v2_can_create", json_object_new_boolean(cg.v2_can_create));
                off += (size_t) snprintf(c->detail + off, sizeof(c->detail) - off,
                                         "v2 at %s (delegates: %s; %s a child cgroup)", cg.v2,
                                         cg.v2_controllers[0] ? cg.v2_controllers : "nothing",
                                         cg.v2_can_create ? "can create" : "cannot create");
                any |= cg.v2_can_create && cg.v2_controllers[0];
        } else
                json_object_object_add(o, "v2", NULL);
        for (size_t i = 0; i < ELEMENTSOF(cg.v1); i++) {
                json_object *jc;
                if (!cg.v1[i].mounted)
                        continue;
                jc = json_object_new_object();
                json_object_object_add(jc, "cgroup", json_object_new_string(cg.v1[i].dir));
                json_object_object_add(jc, "can_create", json_object_new_boolean(cg.v1[i].can_create));
                json_object_object_add(jv1, cg.v1[i].name, jc);
                off += (size_t) snprintf(c->detail + off, sizeof(c->detail) - off, "%sv1 %s (%s)",
                                         off ? "; " : "", cg.v1[i].name,
                                         cg.v1[i].can_create ? "can create" : "cannot create");
                any |= cg.v1[i].can_create;
        }
        json_object_object_add(o, "v1", jv1);
        c->extra = o;
        c->ok = any;
        if (!off)
                snprintf(c->detail, sizeof(c->detail), "no cgroup hierarchy found");
        if (!any && off < sizeof(c->detail))
                snprintf(c->detail + off, sizeof(c->detail) - off,
                         "; --memory, --pids and --cpus need --resources best-effort, or a delegated v2 subtree: "
                         "run oslbox in a systemd scope or service with Delegate=yes "
                         "(systemd-run --user --scope -p Delegate=yes ...)");
}

OSLBOX_API int oslbox_doctor(unsigned flags, char **ret_text)
{
        struct check checks[] = {
                { .name = "kernel" }, { .name = "isolation" }, { .name = "user_namespaces" }, { .name = "landlock" },
                { .name = "seccomp" }, { .name = "clone3" }, { .name = "pidfd" }, { .name = "cgroup" },
                { .name = "init_program" },
        };
        void (*const probes[])(struct check *) = {
                probe_kernel, probe_isolation, probe_userns, probe_landlock, probe_seccomp,
                probe_clone3, probe_pidfd, probe_cgroup, probe_init_program,
        };
        char *out = NULL;
        int r = 0, missing = 0;

        if (!ret_text || (flags & ~OSLBOX_DOCTOR_JSON))
                return -EINVAL;
        for (size_t i = 0; i < ELEMENTSOF(checks); i++) {
                probes[i](&checks[i]);
                /* Needed by every sandbox: an isolation mode, Landlock,
                 * seccomp, pidfds. User namespaces and clone3 are the
                 * namespaces mode's, which the isolation line judges. */
                if (i > 0 && probes[i] != probe_cgroup && probes[i] != probe_userns && probes[i] != probe_clone3 &&
                    probes[i] != probe_init_program && !checks[i].ok)
                        missing++;
        }

        if (flags & OSLBOX_DOCTOR_JSON) {
                json_object *root = json_object_new_object();
                for (size_t i = 0; i < ELEMENTSOF(checks); i++) {
                        json_object *o = checks[i].extra ? checks[i].extra : json_object_new_object();
                        json_object_object_add(o, "ok", json_object_new_boolean(checks[i].ok));
                        json_object_object_add(o, "detail", json_object_new_string(checks[i].detail));
                        json_object_object_add(root, checks[i].name, o);
                        checks[i].extra = NULL;
                }
                json_object_object_add(root, "version", json_object_new_string(PACKAGE_VERSION));
                out = strdup(json_object_to_json_string_ext(root, JSON_C_TO_STRING_PRETTY |
                                                                          JSON_C_TO_STRING_SPACED));
                json_object_put(root);
        } else {
                size_t size = 0;
                FILE *f = open_memstream(&out, &size);
                if (f) {
                        for (size_t i = 0; i < ELEMENTSOF(checks); i++)
                                fprintf(f, "%-16s %-3s %s\n", checks[i].name, checks[i].ok ? "yes" : "no",
                                        checks[i].detail);
                        if (fclose(f) != 0)
                                r = -errno;
                }
        }
        for (size_t i = 0; i < ELEMENTSOF(checks); i++)
                json_object_put(checks[i].extra);
        if (r < 0 || !out) {
                free(out);
                return r < 0 ? r : -ENOMEM;
        }
        *ret_text = out;
        return missing;
}
