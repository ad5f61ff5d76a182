/*
 * proc.h: process plumbing: titles, daemonizing, CPU affinity, pid files.
 */
#ifndef KV_PROC_H
#define KV_PROC_H

#include "kevyd.h"

/* A worker exits with this when it cannot initialise: not respawned. */
#define KV_EXIT_FATAL 2

/*
 * Take over the argv/environ area so kv_proc_title() can rewrite what ps
 * shows. Returns a copy of argv to use from now on (the original strings
 * get overwritten).
 */
char **kv_proc_title_init(int argc, char **argv);
extern char **kv_proc_argv;
/* Sets the title to "kevyd: <fmt ...>". */
void kv_proc_title(const char *fmt, ...) KV_PRINTF(1, 2);

/* Detach: fork, setsid, stdin/stdout to /dev/null. The parent exits 0. */
int kv_proc_daemonize(void);

/*
 * Apply worker-cpu-affinity to worker slot in the calling process (pid 0)
 * or in pid: "off" (nothing), "auto" (the slot-th usable CPU), or bit
 * masks "0101 1010" (the slot-th mask, the last one for further slots;
 * the rightmost digit is CPU 0).
 */
int kv_proc_set_affinity(const char *spec, int slot);
int kv_proc_set_affinity_pid(pid_t pid, const char *spec, int slot);
/* Checks the syntax of a worker-cpu-affinity value. */
int kv_proc_affinity_valid(const char *spec);

/* 1 when pid is alive, not a zombie, and its title says kevyd. */
int kv_proc_is_kevyd(pid_t pid);
/* 1 while pid exists and is not a zombie. */
int kv_proc_alive(pid_t pid);

/* The pid in the file, 0 when it holds none; -1 (errno set) on failure. */
pid_t kv_pidfile_read(const char *path);
int kv_pidfile_write(const char *path, pid_t pid);
/* Removes the file only if it still names pid. */
void kv_pidfile_remove(const char *path, pid_t pid);

#endif /* KV_PROC_H */
