/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Virtual CPUs: state, requests from other pCPUs, and the vendor-neutral
 * run loop. The architecture (and on x86 the vendor backend, SVM or VMX)
 * enters the guest and turns exits into calls on the core handlers.
 */
#ifndef HV_VCPU_H
#define HV_VCPU_H

#include <arch/vcpu.h>
#include <hv/sched.h>
#include <hv/spinlock.h>
#include <hv/types.h>

struct vm;

enum vcpu_state {
	VCPU_OFFLINE, /* not started (APs before their start-up IPI) or stopped */
	VCPU_RUNNING, /* runnable or in guest mode */
	VCPU_HALTED,  /* waiting for an interrupt */
};

/* Requests other pCPUs post to a vCPU; handled before the next guest entry. */
#define VCPU_REQ_EVENT BIT(0) /* interrupt state changed: re-evaluate injection */
#define VCPU_REQ_STOP  BIT(1) /* the VM is shutting down or resetting */

struct vcpu {
	struct vm *vm;
	unsigned id;
	cpuid_t pcpu;
	volatile enum vcpu_state state;
	volatile uint64_t requests;
	volatile bool in_guest;
	struct sched_entity se;
	uint64_t nr_exits;
	struct vcpu_arch arch;
};

void vcpu_init(struct vcpu *v, struct vm *vm, unsigned id, cpuid_t pcpu);
/* Ask v's pCPU to look at v again (wake it if halted, force an exit if in guest). */
void vcpu_kick(struct vcpu *v);
void vcpu_request(struct vcpu *v, uint64_t req);
/* Guest executed a halt: sleep until an interrupt is pending. */
void vcpu_halt(struct vcpu *v);
void vcpu_set_state(struct vcpu *v, enum vcpu_state state);
/* Run v until it blocks or its slice ends; called by the pCPU loop. */
void vcpu_run(struct vcpu *v);

/* ---- arch hooks ---- */
int vcpu_arch_init(struct vcpu *v);
/* Architectural reset state; the BSP gets the VM's entry point. */
void vcpu_arch_reset(struct vcpu *v);
/* Enter the guest once and handle the exit; returns when core must look at v. */
void vcpu_arch_run_once(struct vcpu *v);
bool vcpu_arch_has_pending_irq(struct vcpu *v);
/* v went offline on its own pCPU: drop per-pCPU state such as timers. */
void vcpu_arch_stopped(struct vcpu *v);

#endif
