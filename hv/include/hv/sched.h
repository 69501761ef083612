/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Per-pCPU scheduling of vCPUs.
 *
 * Partitioned mode: one entity per pCPU, never preempted, no tick.
 * Shared mode: several entities per pCPU; the runnable one with the least
 * accumulated run time goes next (fair), and a slice timer is armed only
 * while more than one is runnable (tickless otherwise).
 *
 * Pure bookkeeping: callers hold rq->lock and supply the time.
 */
#ifndef HV_SCHED_H
#define HV_SCHED_H

#include <hv/spinlock.h>
#include <hv/types.h>

#define SCHED_MAX_PER_PCPU 8
#define SCHED_SLICE_US     10000

struct sched_entity {
	uint64_t runtime;    /* ticks spent running, fairness key */
	uint64_t started_at; /* when it was last picked */
	bool runnable;
	bool attached;
	void *owner; /* the vCPU */
};

struct sched_rq {
	struct spinlock lock;
	struct sched_entity *entities[SCHED_MAX_PER_PCPU];
	unsigned nr;
	struct sched_entity *curr;
};

void sched_rq_init(struct sched_rq *rq);
int sched_attach(struct sched_rq *rq, struct sched_entity *se);
void sched_detach(struct sched_rq *rq, struct sched_entity *se);
/* Mark runnable; a woken entity gets no credit for time it spent blocked. */
void sched_wake(struct sched_rq *rq, struct sched_entity *se);
void sched_block(struct sched_rq *rq, struct sched_entity *se);
/* Account the current entity up to now and choose the next (or NULL: idle). */
struct sched_entity *sched_pick_next(struct sched_rq *rq, uint64_t now);
unsigned sched_nr_runnable(const struct sched_rq *rq);

#endif
