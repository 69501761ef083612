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
struct acrn_regs;

enum vcpu_state {
	VCPU_OFFLINE, /* not started (APs before their start-up IPI) or stopped */
	VCPU_RUNNING, /* runnable or in guest mode */
	VCPU_HALTED,  /* waiting for an interrupt */
	VCPU_WAIT_IO, /* waiting for the Service VM to complete its ioreq (hv/core/ioreq.c) */
};

/* Requests other pCPUs post to a vCPU; handled before the next guest entry. */
#define VCPU_REQ_EVENT  BIT(0) /* interrupt state changed: re-evaluate injection */
#define VCPU_REQ_STOP   BIT(1) /* the VM is shutting down or resetting */
#define VCPU_REQ_FLUSH  BIT(2) /* stage-2 mappings went away: drop cached translations */
#define VCPU_REQ_RESUME BIT(3) /* back from a pause: restore per-pCPU state, re-enter its wait */

/* The vCPU's one outstanding request to the Service VM (its ioreq slot). */
struct vcpu_ioreq {
	volatile bool pending; /* the slot holds our request */
	volatile bool done;    /* NOTIFY_REQUEST_FINISH came: finish before the next entry */
	uint32_t type;         /* ACRN_IOREQ_TYPE_* */
	bool write;
	unsigned size;
	uint64_t addr;
	uint64_t value; /* written value, or the read result once finished */
};

struct vcpu {
	struct vm *vm;
	unsigned id;
	cpuid_t pcpu;
	volatile enum vcpu_state state;
	volatile uint64_t requests;
	volatile bool in_guest;
	struct sched_entity se;
	uint64_t nr_exits;
	struct vcpu_ioreq ioreq;
	/*
	 * Pause and resume (vm_pause, vm_resume): what a stopped vCPU goes back
	 * to. A paused vCPU keeps its ioreq, interrupt state and registers.
	 */
	bool paused;        /* it was online when its VM paused: resume brings it back */
	bool halt_cut;      /* a stop request ended (or forestalled) its HLT wait */
	bool resume_halted; /* it was waiting for an interrupt: it does so again */
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
/* Block v (on its own pCPU) until vcpu_wake_io. */
void vcpu_wait_io(struct vcpu *v);
/* Wake v if it waits in vcpu_wait_io; false if it did not. */
bool vcpu_wake_io(struct vcpu *v);
/*
 * Take v offline from another context of its own pCPU, where v is not
 * running (a hypercall of a vCPU sharing the pCPU, or the board bridge).
 */
void vcpu_stop_local(struct vcpu *v);

/* ---- arch hooks ---- */
int vcpu_arch_init(struct vcpu *v);
/* Architectural reset state; the BSP gets the VM's entry point. */
void vcpu_arch_reset(struct vcpu *v);
/* Enter the guest once and handle the exit; returns when core must look at v. */
void vcpu_arch_run_once(struct vcpu *v);
bool vcpu_arch_has_pending_irq(struct vcpu *v);
/*
 * v went offline on its own pCPU: drop per-pCPU state such as timers, and
 * save what the pCPU still holds for it (lazily switched FPU state), so a
 * resume finds it in v.
 */
void vcpu_arch_stopped(struct vcpu *v);
/*
 * v comes back from a pause, on its own pCPU before its next entry: re-arm
 * what vcpu_arch_stopped dropped (a timer that expired meanwhile fires now).
 */
void vcpu_arch_resume(struct vcpu *v);
/*
 * The initial state HC_SET_VCPU_REGS gives a post-launched vCPU, applied at
 * its next reset (START_VM). -EINVAL for a state we do not start from.
 */
int vcpu_arch_set_regs(struct vcpu *v, const struct acrn_regs *regs);

#endif
