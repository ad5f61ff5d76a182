/*
 * worker.h: a worker process: one shard, one event loop.
 */
#ifndef KV_WORKER_H
#define KV_WORKER_H

#include "client.h"
#include "conf.h"
#include "event.h"
#include "listen.h"
#include "shm.h"

typedef struct {
    int slot;
    int nslots;
    kv_conf_t conf;
    uint64_t conf_epoch;
    kv_shm_t *shm;
    kv_listen_set_t *listen;
    kv_loop_t loop;
    kv_io_t channel_io;
    kv_io_t signal_io;
    kv_io_t listen_io[KV_MAX_BIND + 1];
    int nlisten;
    /* clients */
    kv_client_t *clients;
    kv_client_t *write_head;
    kv_client_t *held_head; /* output held back (client.c) */
    int64_t turn_us;        /* the clock at the top of this loop turn */
    unsigned nclients;
    uint64_t next_client_id;
    /* lifecycle */
    int stopping;
    int drained_sent;
    kv_io_t bell_io; /* the doorbell eventfd */
    int64_t stop_deadline_ms;
    int64_t start_ms;
    int64_t next_cron_ms;
    /* adaptive spinning (worker.c) */
    int64_t wait_avg_us; /* average wait for work */
    int spin_ok;         /* the CPU pressure gate is open */
    int64_t spin_resume_ms;
    int64_t spin_backoff_ms;
    int psi_fd; /* /proc/pressure/cpu, -1 */
    unsigned long long psi_total;
    int64_t psi_ms;
    char run_id[41];
    const char *executable;
    /* stats for INFO */
    unsigned long long total_connections;
    unsigned long long total_commands;
    unsigned long long rejected_connections;
    unsigned long long stat_reads, stat_writes; /* completed with data */
    unsigned long long stat_net_input_bytes, stat_net_output_bytes;
} kv_worker_t;

extern kv_worker_t kv_worker;

/* Run worker slot in the forked child; never returns. */
void kv_worker_main(int slot, int nslots, const kv_conf_t *conf, kv_shm_t *shm,
                    kv_listen_set_t *listen, int channel_fd, const char *run_id,
                    const char *executable) KV_NORETURN;

/* Ask the master to stop (client SHUTDOWN). */
int kv_worker_request_shutdown(uint64_t flags);

#endif /* KV_WORKER_H */
