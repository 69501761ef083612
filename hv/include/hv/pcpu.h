/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Physical CPUs: per-CPU data and the hooks each architecture provides to
 * identify, idle, and signal pCPUs.
 */
#ifndef HV_PCPU_H
#define HV_PCPU_H

#include <arch/pcpu.h>
#include <hv/sched.h>
#include <hv/timer.h>
#include <hv/types.h>

#define MAX_PCPUS 16

struct pcpu {
	struct pcpu *self; /* first: arch code finds per-CPU data through it */
	cpuid_t id;
	uint32_t hw_id; /* APIC id on x86, hart id on RISC-V */
	volatile bool online;
	volatile bool need_resched; /* leave the current vCPU and pick again */
	volatile uint32_t deferred; /* PCPU_WORK_*: interrupt handlers' work for the run loop */
	struct sched_rq rq;
	struct timer_queue timers;
	uint8_t *stack_top;
	struct pcpu_arch arch;
};

extern struct pcpu pcpus[MAX_PCPUS];
extern unsigned nr_pcpus;

static inline struct pcpu *pcpu_get(cpuid_t id)
{
	return &pcpus[id];
}

/* Kinds of inter-processor signals. */
enum ipi_kind {
	IPI_KICK,     /* re-evaluate: leave guest mode, check requests, reschedule */
	IPI_SHUTDOWN, /* the board powers off: park */
};

/* Secondary pCPU entry from arch code, once per-CPU state works. */
void pcpu_secondary_main(struct pcpu *p);
/* The scheduling loop every pCPU ends in. */
void pcpu_run_loop(void) __attribute__((noreturn));

/* ---- arch hooks ---- */
struct pcpu *pcpu_arch_this(void);
/* Wait for an interrupt with interrupts enabled, return with them disabled. */
void pcpu_arch_idle(void);
void pcpu_arch_send_ipi(cpuid_t target, enum ipi_kind kind);
/* Power off or stop the whole board; code 0 = orderly, non-zero = failure. */
void pcpu_arch_board_off(int code) __attribute__((noreturn));

static inline struct pcpu *this_pcpu(void)
{
	return pcpu_arch_this();
}

#endif
