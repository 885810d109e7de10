/* M/M/100 in Cimba (process interaction, as its tutorials model a queue):
 * one arrival process puts customers into an unlimited object queue; 100
 * server processes take them in FIFO order and hold for an exponential
 * service time.  λ 9,000/s, mean service 10 ms, DURATION simulated
 * seconds.  Records what the issue says the peers record: a count of
 * completed requests and the sum of their response times.
 *
 * Built and run by bench/peers/run.sh against Cimba 3.0 (not in Debian;
 * its source is in ../shared/peers/).  Usage: mm100_cimba [DURATION_S] */
#include <cimba.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#define SERVERS 100
#define RATE 9000.0
#define MEAN_SERVICE 0.010
#define RING (1u << 20)   /* arrival times of customers in the system */

static double arrived_at[RING];
static uint64_t arrivals, completed;
static double response_sum;

static struct cmb_objectqueue *queue;
static struct cmb_process *arrival, *servers[SERVERS];

static void *arrival_proc(struct cmb_process *me, void *ctx)
{
    cmb_unused(me);
    cmb_unused(ctx);
    for (;;) {
        cmb_process_hold(cmb_random_exponential(1.0 / RATE));
        double *slot = &arrived_at[arrivals++ & (RING - 1)];
        *slot = cmb_time();
        cmb_objectqueue_put(queue, slot);
    }
    return NULL;
}

static void *server_proc(struct cmb_process *me, void *ctx)
{
    cmb_unused(me);
    cmb_unused(ctx);
    for (;;) {
        void *obj = NULL;
        cmb_objectqueue_get(queue, &obj);
        double t0 = *(double *)obj;
        cmb_process_hold(cmb_random_exponential(MEAN_SERVICE));
        completed++;
        response_sum += cmb_time() - t0;
    }
    return NULL;
}

static void end_sim(void *subject, void *object)
{
    cmb_unused(subject);
    cmb_unused(object);
    cmb_process_stop(arrival, NULL);
    for (int i = 0; i < SERVERS; i++) cmb_process_stop(servers[i], NULL);
}

int main(int argc, char **argv)
{
    double duration = argc > 1 ? atof(argv[1]) : 300.0;
    cmb_random_initialize(7);
    cmb_event_queue_initialize(0.0);
    queue = cmb_objectqueue_create();
    cmb_objectqueue_initialize(queue, "Queue", CMB_UNLIMITED);
    arrival = cmb_process_create();
    cmb_process_initialize(arrival, "Arrival", arrival_proc, NULL, 0);
    cmb_process_start(arrival);
    for (int i = 0; i < SERVERS; i++) {
        servers[i] = cmb_process_create();
        cmb_process_initialize(servers[i], "Server", server_proc, NULL, 0);
        cmb_process_start(servers[i]);
    }
    cmb_event_schedule(end_sim, NULL, NULL, duration, 0);

    struct timespec a, b;
    clock_gettime(CLOCK_MONOTONIC, &a);
    cmb_event_queue_execute();
    clock_gettime(CLOCK_MONOTONIC, &b);
    double wall = (double)(b.tv_sec - a.tv_sec) + (double)(b.tv_nsec - a.tv_nsec) / 1e9;

    for (int i = 0; i < SERVERS; i++) {
        cmb_process_terminate(servers[i]);
        cmb_process_destroy(servers[i]);
    }
    cmb_process_terminate(arrival);
    cmb_process_destroy(arrival);
    cmb_objectqueue_terminate(queue);
    cmb_objectqueue_destroy(queue);
    cmb_event_queue_terminate();
    cmb_random_terminate();
    printf("requests %llu wall %.6f mean_ms %.4f\n", (unsigned long long)completed, wall,
           completed ? 1e3 * response_sum / (double)completed : 0.0);
    return 0;
}
