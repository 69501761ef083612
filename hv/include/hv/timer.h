/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * One-shot software timers per pCPU on a monotonic tick counter (the TSC on
 * x86, the time CSR on RISC-V). Only the earliest deadline is programmed into
 * the hardware, so an idle pCPU takes no periodic interrupt (tickless).
 */
#ifndef HV_TIMER_H
#define HV_TIMER_H

#include <hv/types.h>

struct timer;
typedef void (*timer_fn)(struct timer *t);

struct timer {
	uint64_t deadline; /* ticks; 0 while not queued */
	timer_fn fn;
	struct timer *next;
	uint16_t cpu;
};

struct timer_queue {
	struct timer *head; /* sorted by deadline */
};

void timer_init(struct timer *t, timer_fn fn);
/* Queue (or re-queue) on the calling pCPU. Callers run with interrupts off. */
void timer_arm(struct timer *t, uint64_t deadline);
void timer_cancel(struct timer *t);
/* Run expired timers of this pCPU; called from the timer interrupt. */
void timer_softirq(void);

/* Queue operations, separated from hardware so they can be unit-tested. */
void timer_queue_insert(struct timer_queue *q, struct timer *t);
bool timer_queue_remove(struct timer_queue *q, struct timer *t);
struct timer *timer_queue_pop_expired(struct timer_queue *q, uint64_t now);

extern uint64_t tsc_khz; /* tick rate of timer_now(), in kHz */

/* ---- arch hooks ---- */
uint64_t timer_arch_now(void);
/* Interrupt at (or soon after) deadline; 0 disarms. */
void timer_arch_program(uint64_t deadline);

static inline uint64_t timer_now(void)
{
	return timer_arch_now();
}

static inline uint64_t us_to_ticks(uint64_t us)
{
	return us * tsc_khz / 1000;
}

#endif
