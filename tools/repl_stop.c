/* repl_stop.c - running a check or bench where Ctrl-C can stop it: in a child process, so that
 * compiled code (which has no place to look at a flag) and the interpreter stop at once, and a
 * kernel that crashes takes only the child with it; the session stays as it was. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "repl_private.h"

static volatile sig_atomic_t stop_asked;

static void on_stop(int sig) {
  (void)sig;
  stop_asked = 1;
}

/* Read exactly "n" bytes of "fd" into "p"; false at an early end. */
static bool read_all(int fd, void *p, size_t n) {
  char *c = p;
  while (n) {
    ssize_t k = read(fd, c, n);
    if (k < 0 && errno == EINTR) continue;
    if (k <= 0) return false;
    c += k;
    n -= (size_t)k;
  }
  return true;
}

static int in_process(repl_job job, void *user, double *out) {
  int bad = job(user, out);
  return bad == 2 ? 2 : bad ? -1 : 0;
}

int repl_stoppable(repl *r, const char *what, repl_job job, void *user, double *out, int n_out) {
  fflush(stdout);
  fflush(stderr);
  int fds[2];
  if (pipe(fds) != 0) return in_process(job, user, out); /* unstoppable */
  struct sigaction sa, old;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_stop; /* no SA_RESTART: waitpid returns at Ctrl-C */
  sigemptyset(&sa.sa_mask);
  stop_asked = 0;
  sigaction(SIGINT, &sa, &old);
  pid_t pid = fork();
  if (pid == 0) {
    signal(SIGINT, SIG_DFL);
    close(fds[0]);
    int bad = job(user, out);
    fflush(stdout);
    fflush(stderr);
    bool ok = write(fds[1], out, (size_t)n_out * sizeof *out) == (ssize_t)(n_out * sizeof *out);
    _exit(bad == 2 ? 2 : bad ? 1 : ok ? 0 : 3);
  }
  close(fds[1]);
  if (pid < 0) {
    close(fds[0]);
    sigaction(SIGINT, &old, NULL);
    return in_process(job, user, out);
  }
  int status = 0;
  bool killed = false;
  for (;;) {
    if (stop_asked && !killed) {
      kill(pid, SIGKILL); /* a terminal's Ctrl-C reached the child too; a kill(1) did not */
      killed = true;
    }
    pid_t w = waitpid(pid, &status, 0);
    if (w == pid) break;
    if (w < 0 && errno != EINTR) break;
  }
  bool got = !killed && WIFEXITED(status) && WEXITSTATUS(status) == 0 &&
             read_all(fds[0], out, (size_t)n_out * sizeof *out);
  close(fds[0]);
  sigaction(SIGINT, &old, NULL);
  if (killed || (WIFSIGNALED(status) && WTERMSIG(status) == SIGINT)) {
    repl_error(r, "%s interrupted; the session is as it was", what);
    return 1;
  }
  if (WIFSIGNALED(status)) {
    repl_error(r, "%s crashed (%s); the session is as it was", what, strsignal(WTERMSIG(status)));
    return -1;
  }
  if (WIFEXITED(status) && WEXITSTATUS(status) == 2) return 2;
  return got ? 0 : -1;
}
