/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Cgroups: memory, pids and cpu limits for the whole sandbox. Guarantees:
 * every process of the sandbox, from its init on, is in a cgroup made for
 * the run, below the caller's own, with the limits written before the
 * command starts; the cgroup is removed when the run ends.
 *
 * Each controller is taken from the unified (v2) hierarchy where the caller's
 * cgroup delegates it (cgroup.subtree_control), else from its v1 hierarchy,
 * as hybrid hosts still mount memory, pids and cpu there. On v2 the sandbox
 * is cloned straight into its cgroup (CLONE_INTO_CGROUP, Linux >= 5.7); v1
 * has no such flag, so its init joins by writing 0 to cgroup.procs files the
 * parent opened (open-time credentials decide, Linux >= 5.16).
 *
 * Without a cgroup the caller may create, the run is refused, unless the
 * policy says "resources best-effort": then pids becomes RLIMIT_NPROC and
 * memory RLIMIT_AS, per process, and a warning says so.
 *
 * The default process limit ("pids default") is never refused and never
 * warns. RLIMIT_NPROC enforces it where it binds: the kernel counts it per
 * user in the sandbox's own user namespace (Linux >= 5.14), over the
 * sandbox's processes only, and costs nothing to set. (Linux < 5.14 counts
 * every process of the user: one running over 4096 outside could not fork
 * inside.) It does not bind for
 * root: copy_process() exempts INIT_USER, and a root caller's sandbox runs
 * as uid 0 of the host. For root the default takes a cgroup when one is
 * usable, which costs about 1 ms a run (v1: the mkdir, pids.max, init's
 * join, which waits for an RCU grace period, and the rmdir; measured with
 * bench/spawntime), else it is RLIMIT_NPROC all the same, which such a
 * sandbox does not feel. Without a user namespace (the landlock isolation
 * mode) RLIMIT_NPROC would count every process of the caller's, on the host
 * too: there the default is a cgroup when one is usable, else no limit.
 */
#include "config.h"

#include <dirent.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include "layers.h"

enum { CG_MEMORY, CG_PIDS, CG_CPU, CG_COUNT };
static const char *const controller_names[CG_COUNT] = { "memory", "pids", "cpu" };

#define CPU_PERIOD_US 100000

struct hierarchies {
        char v2[PATH_MAX];              /* mount point of cgroup2, or "" */
        char v2_root[PATH_MAX];         /* the cgroup mounted there */
        char v1[CG_COUNT][PATH_MAX];    /* mount point of each v1 controller, or "" */
        char v1_root[CG_COUNT][PATH_MAX];
};

/* Reads /proc/self/mountinfo for the cgroup mounts. */
static int find_hierarchies(struct hierarchies *h)
{
        _cleanup_close_ int fd = open("/proc/self/mountinfo", O_RDONLY | O_CLOEXEC);
        _cleanup_free_ char *text = NULL;
        char *save = NULL;
        int r;

        memset(h, 0, sizeof(*h));
        if (fd < 0)
                return -errno;
        if ((r = read_full_fd(fd, 1 << 22, &text, NULL)) < 0)
                return r;
        for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
                char root[PATH_MAX], mnt[PATH_MAX], fstype[32], opts[512];
                const char *sep = strstr(line, " - ");
                char *tok, *s2 = NULL;

                if (!sep || sscanf(line, "%*s %*s %*s %4095s %4095s", root, mnt) != 2 ||
                    sscanf(sep + 3, "%31s %*s %511s", fstype, opts) != 2)
                        continue;
                if (strcmp(fstype, "cgroup2") == 0 && !h->v2[0]) {
                        snprintf(h->v2, sizeof(h->v2), "%s", mnt);
                        snprintf(h->v2_root, sizeof(h->v2_root), "%s", root);
                } else if (strcmp(fstype, "cgroup") == 0)
                        for (tok = strtok_r(opts, ",", &s2); tok; tok = strtok_r(NULL, ",", &s2))
                                for (int c = 0; c < CG_COUNT; c++)
                                        if (strcmp(tok, controller_names[c]) == 0 && !h->v1[c][0]) {
                                                snprintf(h->v1[c], sizeof(h->v1[c]), "%s", mnt);
                                                snprintf(h->v1_root[c], sizeof(h->v1_root[c]), "%s", root);
                                        }
        }
        return 0;
}

/* The caller's cgroup directory in a hierarchy: CONTROLLER NULL for v2. */
static int own_dir(const char *controller, const char *mnt, const char *root, char *buf, size_t size)
{
        _cleanup_close_ int fd = open("/proc/self/cgroup", O_RDONLY | O_CLOEXEC);
        _cleanup_free_ char *text = NULL;
        char *save = NULL;
        int r;

        if (fd < 0)
                return -errno;
        if ((r = read_full_fd(fd, 1 << 16, &text, NULL)) < 0)
                return r;
        for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
                char *c1 = strchr(line, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL, *path, *s2 = NULL;
                bool match = false;

                if (!c2)
                        continue;
                *c2 = '\0';
                path = c2 + 1;
                if (!controller)
                        match = c1 == line + 1 && line[0] == '0' && c1[1] == '\0';   /* "0::/path" */
                else
                        for (char *tok = strtok_r(c1 + 1, ",", &s2); tok; tok = strtok_r(NULL, ",", &s2))
                                match |= strcmp(tok, controller) == 0;
                if (!match)
                        continue;
                /* A hierarchy mounted from below its root (in a container) shows
                 * paths relative to that root. */
                if (strcmp(root, "/") != 0 && path_startswith(path, root))
                        path += strlen(root);
                snprintf(buf, size, "%s%s", mnt, path);
                return 0;
        }
        return -ENOENT;
}

static int write_attr(const char *dir, const char *name, const char *value)
{
        char path[PATH_MAX + 64];
        _cleanup_close_ int fd = -1;
        size_t len = strlen(value);

        snprintf(path, sizeof(path), "%s/%s", dir, name);
        fd = open(path, O_WRONLY | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        if (write(fd, value, len) != (ssize_t) len)
                return -errno;
        return 0;
}

static int read_attr(const char *dir, const char *name, char *buf, size_t size)
{
        char path[PATH_MAX + 64];

        snprintf(path, sizeof(path), "%s/%s", dir, name);
        return read_small(path, buf, size);
}

static bool has_word(const char *list, const char *word)
{
        size_t n = strlen(word);
        for (const char *p = list; (p = strstr(p, word)); p += n)
                if ((p == list || p[-1] == ' ') && (p[n] == '\0' || p[n] == ' ' || p[n] == '\n'))
                        return true;
        return false;
}

/* Where each wanted controller can be had: 2, 1, or 0 (nowhere), with the
 * caller's directory in that hierarchy. */
struct choice {
        int version[CG_COUNT];
        char parent[CG_COUNT][PATH_MAX];
        char why[CG_COUNT][PATH_MAX + 128];
};

/* Makes CONTROLLER available below DIR, the caller's v2 cgroup, by enabling
 * it in DIR's cgroup.subtree_control. Cgroup v2 allows that only while DIR
 * holds no process ("no internal processes"), so when DIR's only process is
 * this one (a systemd scope made for it with Delegate=yes, say) it first
 * moves into a leaf of its own, DIR/oslbox-PID-self, as nsjail and container
 * runtimes do. Another process in DIR makes it fail: then the controller is
 * not ours to use. */
static int enable_v2(const char *dir, const char *controller)
{
        char value[32], leaf[PATH_MAX + 64], pid[16];
        int r;

        snprintf(value, sizeof(value), "+%s", controller);
        r = write_attr(dir, "cgroup.subtree_control", value);
        if (r != -EBUSY)
                return r;
        snprintf(leaf, sizeof(leaf), "%s/oslbox-%d-self", dir, (int) getpid());
        if (mkdir(leaf, 0755) < 0 && errno != EEXIST)
                return -errno;
        snprintf(pid, sizeof(pid), "%d", (int) getpid());
        if ((r = write_attr(leaf, "cgroup.procs", pid)) < 0)
                return r;
        return write_attr(dir, "cgroup.subtree_control", value);
}

/* The caller's v2 cgroup, as a place to delegate from: if this process
 * already moved into its own leaf, the leaf's parent. */
static int v2_delegation_dir(const struct hierarchies *h, char *buf, size_t size)
{
        char self[32];
        size_t n;
        int r = own_dir(NULL, h->v2, h->v2_root, buf, size);

        if (r < 0)
                return r;
        snprintf(self, sizeof(self), "/oslbox-%d-self", (int) getpid());
        n = strlen(buf);
        if (n > strlen(self) && strcmp(buf + n - strlen(self), self) == 0)
                buf[n - strlen(self)] = '\0';
        return 0;
}

static void choose(const bool want[CG_COUNT], struct choice *ch)
{
        struct hierarchies h;
        char v2_parent[PATH_MAX] = "", subtree[512] = "", available[512] = "";
        bool v2_ok = false;

        memset(ch, 0, sizeof(*ch));
        if (find_hierarchies(&h) < 0)
                return;
        if (h.v2[0] && v2_delegation_dir(&h, v2_parent, sizeof(v2_parent)) == 0)
                v2_ok = read_attr(v2_parent, "cgroup.subtree_control", subtree, sizeof(subtree)) == 0 &&
                        read_attr(v2_parent, "cgroup.controllers", available, sizeof(available)) == 0;
        for (int c = 0; c < CG_COUNT; c++) {
                int enable = 0;

                if (!want[c])
                        continue;
                if (v2_ok && !has_word(subtree, controller_names[c]) && has_word(available, controller_names[c]) &&
                    (enable = enable_v2(v2_parent, controller_names[c])) == 0)
                        (void) read_attr(v2_parent, "cgroup.subtree_control", subtree, sizeof(subtree));
                if (v2_ok && has_word(subtree, controller_names[c])) {
                        ch->version[c] = 2;
                        snprintf(ch->parent[c], sizeof(ch->parent[c]), "%s", v2_parent);
                } else if (h.v1[c][0] &&
                           own_dir(controller_names[c], h.v1[c], h.v1_root[c], ch->parent[c],
                                   sizeof(ch->parent[c])) == 0)
                        ch->version[c] = 1;
                else
                        snprintf(ch->why[c], sizeof(ch->why[c]),
                                 "no cgroup controller '%s' is available to this process (%s %s; and it is not "
                                 "mounted as cgroup v1)", controller_names[c],
                                 !v2_ok ? "no unified hierarchy at" : enable == -EBUSY
                                 ? "other processes share its v2 cgroup, which must be left to oslbox alone to "
                                   "delegate from:"
                                 : enable < 0 ? "this user may not delegate it in"
                                 : "it is not available to", v2_ok ? v2_parent : "/sys/fs/cgroup");
        }
}

/* Removes the empty cgroups runs of processes that are gone left behind
 * (an oslbox killed with SIGKILL cannot remove its own). */
static void remove_stale(const char *parent)
{
        DIR *d = opendir(parent);
        struct dirent *de;

        if (!d)
                return;
        while ((de = readdir(d))) {
                char path[PATH_MAX + 256];
                int pid;
                if (sscanf(de->d_name, "oslbox-%d-", &pid) != 1 || pid <= 0 ||
                    (kill(pid, 0) == 0 || errno != ESRCH))
                        continue;
                snprintf(path, sizeof(path), "%s/%s", parent, de->d_name);
                (void) rmdir(path);     /* fails while not empty: then it is not stale */
        }
        closedir(d);
}

static int make_dir(const char *parent, char **ret)
{
        uint32_t rnd;
        char *path;

        if (getrandom(&rnd, sizeof(rnd), 0) != sizeof(rnd))
                return -errno;
        path = strdup_printf("%s/oslbox-%d-%08" PRIx32, parent, (int) getpid(), rnd);
        if (!path)
                return -ENOMEM;
        if (mkdir(path, 0755) < 0) {
                int r = -errno;
                free(path);
                return r;
        }
        *ret = path;
        return 0;
}

int cgroup_probe(struct cgroup_probe *ret)
{
        struct hierarchies h;
        int r;

        memset(ret, 0, sizeof(*ret));
        if ((r = find_hierarchies(&h)) < 0)
                return r;
        if (h.v2[0] && own_dir(NULL, h.v2, h.v2_root, ret->v2_dir, sizeof(ret->v2_dir)) == 0) {
                char *dir = NULL;
                snprintf(ret->v2, sizeof(ret->v2), "%s", h.v2);
                if (read_attr(ret->v2_dir, "cgroup.subtree_control", ret->v2_controllers,
                              sizeof(ret->v2_controllers)) < 0)
                        ret->v2_controllers[0] = '\0';
                ret->v2_controllers[strcspn(ret->v2_controllers, "\n")] = '\0';
                ret->v2_can_create = make_dir(ret->v2_dir, &dir) == 0;
                if (dir)
                        (void) rmdir(dir);      /* empty, just made */
                free(dir);
        }
        for (int c = 0; c < CG_COUNT; c++) {
                char *dir = NULL;
                ret->v1[c].name = controller_names[c];
                if (!h.v1[c][0] || own_dir(controller_names[c], h.v1[c], h.v1_root[c], ret->v1[c].dir,
                                           sizeof(ret->v1[c].dir)) < 0)
                        continue;
                ret->v1[c].mounted = true;
                ret->v1[c].can_create = make_dir(ret->v1[c].dir, &dir) == 0;
                if (dir)
                        (void) rmdir(dir);
                free(dir);
        }
        return 0;
}

bool cgroup_usable(void)
{
        const bool want[CG_COUNT] = { true, true, false };
        struct choice ch;

        choose(want, &ch);
        for (int c = 0; c < CG_COUNT; c++) {
                char *dir = NULL;
                if (!want[c])
                        continue;
                if (!ch.version[c] || make_dir(ch.parent[c], &dir) < 0)
                        return false;
                (void) rmdir(dir);      /* empty, just made */
                free(dir);
        }
        return true;
}

static int set_limits(const struct osb_config *cfg, int c, const char *dir,
                      int version, struct osb_diag *diag)
{
        char v[64];
        int r = 0;
        const char *what = "";

        switch (c) {
        case CG_MEMORY:
                snprintf(v, sizeof(v), "%" PRIu64, cfg->memory_bytes);
                if (version == 2) {
                        what = "memory.max";
                        if ((r = write_attr(dir, what, v)) >= 0) {
                                /* No swap: the limit is the memory the sandbox has. */
                                r = write_attr(dir, "memory.swap.max", "0");
                                if (r == -ENOENT)
                                        r = 0;
                        }
                } else {
                        what = "memory.limit_in_bytes";
                        if ((r = write_attr(dir, what, v)) >= 0) {
                                r = write_attr(dir, "memory.memsw.limit_in_bytes", v);
                                if (r == -ENOENT)       /* no swap accounting */
                                        r = write_attr(dir, "memory.swappiness", "0");
                        }
                }
                break;
        case CG_PIDS:
                /* The sandbox's init is one of them. */
                snprintf(v, sizeof(v), "%" PRIu64, cfg->pids + 1);
                what = "pids.max";
                r = write_attr(dir, what, v);
                break;
        case CG_CPU: {
                uint64_t quota = cfg->cpu_millis * CPU_PERIOD_US / 1000;
                if (quota < 1000)
                        quota = 1000;
                if (version == 2) {
                        snprintf(v, sizeof(v), "%" PRIu64 " %d", quota, CPU_PERIOD_US);
                        what = "cpu.max";
                        r = write_attr(dir, what, v);
                } else {
                        snprintf(v, sizeof(v), "%d", CPU_PERIOD_US);
                        what = "cpu.cfs_period_us";
                        if ((r = write_attr(dir, what, v)) >= 0) {
                                snprintf(v, sizeof(v), "%" PRIu64, quota);
                                what = "cpu.cfs_quota_us";
                                r = write_attr(dir, what, v);
                        }
                }
                break;
        }
        }
        if (r < 0)
                return diag_errno(diag, r, "cannot write %s/%s", dir, what);
        return 0;
}

/* The processes of the sandbox, init included, as RLIMIT_NPROC. */
static int nproc_limit(const struct osb_config *cfg, struct rlimit_plan *rl, struct osb_diag *diag)
{
        int r = rlimit_add(rl, RLIMIT_NPROC, (rlim_t) (cfg->pids + 1));
        return r < 0 ? diag_errno(diag, r, "cannot set RLIMIT_NPROC") : 0;
}

static int best_effort(const struct osb_config *cfg, struct rlimit_plan *rl, bool userns, const char *why,
                       char *warning, size_t size, struct osb_diag *diag)
{
        bool pids = cfg->pids && !cfg->pids_default;    /* the default needs no word */
        int r = 0;

        if (cfg->pids && (pids || userns))
                r = rlimit_add(rl, RLIMIT_NPROC, (rlim_t) (cfg->pids + 1));
        if (r >= 0 && cfg->memory_bytes)
                r = rlimit_add(rl, RLIMIT_AS, (rlim_t) cfg->memory_bytes);
        if (r < 0)
                return diag_errno(diag, r, "cannot fall back to rlimits");
        snprintf(warning, size, "warning: %s; resources best-effort: %s%s%s", why,
                 pids ? "pids is RLIMIT_NPROC" : "",
                 pids && cfg->memory_bytes ? " and " : "",
                 cfg->memory_bytes ? "memory is RLIMIT_AS, per process" : "");
        if (cfg->cpu_millis)
                snprintf(warning + strlen(warning), size - strlen(warning), "; cpus is not limited");
        return 0;
}

int cgroup_prepare(const struct osb_config *cfg, struct cgroup_plan *p, struct rlimit_plan *rl, bool userns,
                   struct osb_diag *diag)
{
        /* The default limit: RLIMIT_NPROC binds for every uid but the host's
         * 0, and counts the sandbox's processes alone in a user namespace. */
        bool soft_pids = cfg->pids && cfg->pids_default;
        bool nproc_binds = geteuid() != 0 && userns;
        const bool want[CG_COUNT] = { cfg->memory_bytes > 0, cfg->pids > 0 && !(soft_pids && nproc_binds),
                                      cfg->cpu_millis > 0 };
        struct choice ch;
        int r;

        *p = (struct cgroup_plan) { .v2_fd = -1 };
        for (size_t i = 0; i < ELEMENTSOF(p->v1); i++)
                p->v1[i].procs_fd = -1;
        if (soft_pids && nproc_binds && (r = nproc_limit(cfg, rl, diag)) < 0)
                return r;
        if (!want[CG_MEMORY] && !want[CG_PIDS] && !want[CG_CPU])
                return 0;

        choose(want, &ch);
        for (int c = 0; c < CG_COUNT; c++) {
                char *dir = NULL;

                /* No cgroup for the default limit: no refusal, no warning. */
                bool fallback = c == CG_PIDS && soft_pids;

                if (!want[c])
                        continue;
                if (!ch.version[c]) {
                        if (fallback) {
                                if (userns && (r = nproc_limit(cfg, rl, diag)) < 0)
                                        goto fail;
                                continue;
                        }
                        r = diag_set(diag, -EOPNOTSUPP, "%s", ch.why[c]);
                        goto unavailable;
                }
                if (ch.version[c] == 2 && p->v2_path) {
                        if ((r = set_limits(cfg, c, p->v2_path, 2, diag)) < 0)
                                goto fail;
                        p->pids |= c == CG_PIDS;
                        continue;
                }
                remove_stale(ch.parent[c]);
                if ((r = make_dir(ch.parent[c], &dir)) < 0) {
                        if (fallback) {
                                if (userns && (r = nproc_limit(cfg, rl, diag)) < 0)
                                        goto fail;
                                continue;
                        }
                        r = diag_errno(diag, r, "cannot create a cgroup in %s", ch.parent[c]);
                        goto unavailable;
                }
                if (ch.version[c] == 2)
                        p->v2_path = dir;
                else {
                        p->v1[p->n_v1].controller = controller_names[c];
                        p->v1[p->n_v1].path = dir;
                        p->n_v1++;
                }
                if ((r = set_limits(cfg, c, dir, ch.version[c], diag)) < 0)
                        goto fail;
                p->pids |= c == CG_PIDS;
        }
        if (p->v2_path) {
                p->v2_fd = fd_move_above_stdio(open(p->v2_path, O_RDONLY | O_DIRECTORY | O_CLOEXEC));
                if (p->v2_fd < 0) {
                        r = diag_errno(diag, -errno, "cannot open %s", p->v2_path);
                        goto fail;
                }
        }
        for (size_t i = 0; i < p->n_v1; i++) {
                char path[PATH_MAX + 32];
                snprintf(path, sizeof(path), "%s/cgroup.procs", p->v1[i].path);
                p->v1[i].procs_fd = fd_move_above_stdio(open(path, O_WRONLY | O_CLOEXEC));
                if (p->v1[i].procs_fd < 0) {
                        r = diag_errno(diag, -errno, "cannot open %s", path);
                        goto fail;
                }
        }
        p->active = true;
        return 0;

unavailable:
        cgroup_destroy(p);
        if (cfg->resources_best_effort) {
                char why[sizeof(diag->msg)];
                snprintf(why, sizeof(why), "%s", diag->msg);
                diag_clear(diag);
                return best_effort(cfg, rl, userns, why, p->warning, sizeof(p->warning), diag);
        }
        {
                char why[sizeof(diag->msg)];
                snprintf(why, sizeof(why), "%s", diag->msg);
                return diag_set(diag, r, "%s; memory, pids and cpus limits need a cgroup this user can create "
                                "(see oslbox doctor; --resources best-effort falls back to rlimits)", why);
        }
fail:
        cgroup_destroy(p);
        return r;
}

int cgroup_apply(const struct cgroup_plan *p)
{
        /* "0": the writing process, and everything it will start. */
        for (size_t i = 0; i < p->n_v1; i++)
                if (write(p->v1[i].procs_fd, "0", 1) != 1)
                        return -errno;
        /* Cloned without CLONE_INTO_CGROUP (clone3 refused): join now. */
        if (p->join_v2) {
                int fd = openat(p->v2_fd, "cgroup.procs", O_WRONLY | O_CLOEXEC);
                ssize_t k = fd < 0 ? -1 : write(fd, "0", 1);
                int saved = errno;
                if (fd >= 0)
                        close(fd);
                if (k != 1)
                        return -saved;
        }
        return 0;
}

void cgroup_kill(const struct cgroup_plan *p)
{
        if (p->v2_path)
                (void) write_attr(p->v2_path, "cgroup.kill", "1");      /* Linux >= 5.14; best effort */
}

static uint64_t number_after(const char *text, const char *key)
{
        const char *p = strstr(text, key);
        return p ? strtoull(p + strlen(key), NULL, 10) : 0;
}

void cgroup_collect(const struct cgroup_plan *p, struct cgroup_stats *st)
{
        char buf[4096];

        memset(st, 0, sizeof(*st));
        if (p->v2_path) {
                if (read_attr(p->v2_path, "memory.peak", buf, sizeof(buf)) == 0)
                        st->memory_peak_kb = strtoull(buf, NULL, 10) / 1024;
                if (read_attr(p->v2_path, "memory.events", buf, sizeof(buf)) == 0)
                        st->oom_killed = number_after(buf, "oom_kill ") > 0;
                if (read_attr(p->v2_path, "pids.peak", buf, sizeof(buf)) == 0)
                        st->pids_peak = strtoull(buf, NULL, 10);
        }
        for (size_t i = 0; i < p->n_v1; i++) {
                if (strcmp(p->v1[i].controller, "memory") != 0)
                        continue;
                if (read_attr(p->v1[i].path, "memory.max_usage_in_bytes", buf, sizeof(buf)) == 0)
                        st->memory_peak_kb = strtoull(buf, NULL, 10) / 1024;
                if (read_attr(p->v1[i].path, "memory.oom_control", buf, sizeof(buf)) == 0)
                        st->oom_killed = number_after(buf, "oom_kill ") > 0;
        }
}

void cgroup_destroy(struct cgroup_plan *p)
{
        if (!p)
                return;
        if (p->v2_path) {
                /* Nothing should be left once init was reaped; make sure. */
                (void) write_attr(p->v2_path, "cgroup.kill", "1");      /* Linux >= 5.14 */
                (void) rmdir(p->v2_path);                               /* best effort: see doctor */
                free(p->v2_path);
                p->v2_path = NULL;
        }
        p->v2_fd = safe_close(p->v2_fd);
        for (size_t i = 0; i < p->n_v1; i++) {
                p->v1[i].procs_fd = safe_close(p->v1[i].procs_fd);
                if (p->v1[i].path)
                        (void) rmdir(p->v1[i].path);    /* empty once init was reaped */
                free(p->v1[i].path);
                p->v1[i].path = NULL;
        }
        p->n_v1 = 0;
        p->active = false;
        p->pids = false;
}
