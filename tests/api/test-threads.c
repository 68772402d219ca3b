/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Many threads spawning at once, as a build system or a test runner embeds
 * liboslbox: every spawn succeeds, and afterwards the process holds no
 * zombie and no fd more than before.
 */
#include "api.h"

#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <sys/wait.h>

#define N_THREADS 8
#define N_SPAWNS 25

static const struct oslbox_policy *shared_policy;
static atomic_int n_ok, n_reported;

static void report_once(const char *what, int r, const char *msg)
{
        if (atomic_fetch_add(&n_reported, 1) < 5)       /* the first few are enough to tell */
                fprintf(stderr, "# %s: %s (%s)\n", what, strerror(-r), msg);
}

static void *spawner(void *arg)
{
        const char *argv[] = { "true", NULL };
        struct oslbox_policy *pol = NULL;
        int r;

        (void) arg;
        /* One object per thread at a time (oslbox.h): each thread its own copy. */
        if ((r = oslbox_policy_copy(shared_policy, &pol)) < 0) {
                report_once("oslbox_policy_copy", r, "");
                return NULL;
        }
        for (int i = 0; i < N_SPAWNS; i++) {
                struct oslbox_result res = { .size = sizeof(res) };
                struct oslbox_proc *proc = NULL;

                if ((r = oslbox_proc_new(&proc)) < 0)
                        report_once("oslbox_proc_new", r, "");
                else if ((r = oslbox_proc_spawn(proc, pol, argv, NULL)) < 0)
                        report_once("oslbox_proc_spawn", r, oslbox_proc_error(proc));
                else if ((r = oslbox_proc_wait(proc, -1, &res)) < 0)
                        report_once("oslbox_proc_wait", r, oslbox_proc_error(proc));
                else if (res.exit_code != 0 || res.signal != 0)
                        report_once("true", -EIO, "did not exit 0");
                else
                        atomic_fetch_add(&n_ok, 1);
                oslbox_proc_free(proc);
        }
        oslbox_policy_free(pol);
        return NULL;
}

/* Children of this process in state Z, from /proc/PID/stat ("pid (comm) S ppid ..."). */
static int count_zombie_children(void)
{
        DIR *d = opendir("/proc");
        struct dirent *e;
        int n = 0;

        if (!d)
                api_bail("opendir /proc", -errno);
        while ((e = readdir(d))) {
                char path[300], buf[512], state, *p;
                int ppid;
                ssize_t k;
                int fd;

                if (e->d_name[0] < '0' || e->d_name[0] > '9')
                        continue;
                snprintf(path, sizeof(path), "/proc/%s/stat", e->d_name);
                fd = open(path, O_RDONLY | O_CLOEXEC);
                if (fd < 0)
                        continue;       /* gone meanwhile */
                k = read(fd, buf, sizeof(buf) - 1);
                close(fd);
                if (k <= 0)
                        continue;
                buf[k] = '\0';
                p = strrchr(buf, ')');  /* comm may hold spaces and parentheses */
                if (p && sscanf(p + 1, " %c %d", &state, &ppid) == 2 && ppid == getpid() && state == 'Z')
                        n++;
        }
        closedir(d);
        return n;
}

int main(void)
{
        pthread_t threads[N_THREADS];
        siginfo_t si;
        int fds_before, fds_after, r;
        uint64_t t0;

        shared_policy = api_policy(NULL);
        fds_before = api_count_fds();
        t0 = api_now_ms();
        for (int i = 0; i < N_THREADS; i++)
                if ((r = pthread_create(&threads[i], NULL, spawner, NULL)) != 0)
                        api_bail("pthread_create", r);
        for (int i = 0; i < N_THREADS; i++)
                pthread_join(threads[i], NULL);
        tap_diag("%d spawns in %llu ms", N_THREADS * N_SPAWNS, (unsigned long long) (api_now_ms() - t0));

        tap_is_int(atomic_load(&n_ok), N_THREADS * N_SPAWNS,
                   "%d threads x %d concurrent spawns of true: every one ran and exited 0", N_THREADS, N_SPAWNS);
        tap_is_int(count_zombie_children(), 0, "no zombie child is left in /proc");
        /* __WALL: the sandboxes' inits are clone children (no SIGCHLD), which
         * a plain waitid() would not even look at. */
        memset(&si, 0, sizeof(si));
        r = waitid(P_ALL, 0, &si, WEXITED | WNOHANG | WNOWAIT | __WALL);
        tap_ok(r < 0 && errno == ECHILD, "waitid(P_ALL, __WALL): ECHILD, no child left, ended or running");
        if (r == 0)
                tap_diag("got child %d", (int) si.si_pid);
        fds_after = api_count_fds();
        tap_is_int(fds_after, fds_before, "as many fds open as before (%d)", fds_before);

        /* The twins: both checks see a zombie and an fd when there is one. */
        {
                pid_t pid = fork();
                int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);

                if (pid == 0)
                        _exit(0);
                memset(&si, 0, sizeof(si));
                if (pid < 0 || fd < 0 || waitid(P_PID, (id_t) pid, &si, WEXITED | WNOWAIT) < 0)
                        api_bail("making a zombie", -errno);    /* a zombie now */
                tap_is_int(count_zombie_children(), 1, "the /proc scan sees a fork()ed child left unreaped");
                memset(&si, 0, sizeof(si));
                r = waitid(P_ALL, 0, &si, WEXITED | WNOHANG | WNOWAIT | __WALL);
                tap_ok(r == 0 && si.si_pid == pid, "... and so does waitid(P_ALL)");
                tap_is_int(api_count_fds(), fds_before + 1, "the fd count sees one more fd open");
                waitpid(pid, NULL, 0);
                close(fd);
        }
        oslbox_policy_free((struct oslbox_policy *) shared_policy);
        return tap_done();
}
