/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Hypercall dispatch (ACRN's calling convention: id in R8 on x86, params in
 * RDI and RSI, result in RAX). The architecture decodes the instruction and
 * registers; everything else is here.
 */
#ifndef HV_HYPERCALL_H
#define HV_HYPERCALL_H

#include <acrn/hypercall.h>
#include <hv/types.h>

struct vcpu;
struct vm;

/*
 * Whether @vm may execute the hypercall instruction at all: the Service VM,
 * and VMs with a guest flag that has hypercalls of its own (secure world,
 * TEE, REE). ACRN raises #UD in any other VM and leaves RAX alone; the
 * architecture does the same before calling hypercall_dispatch.
 */
bool hypercall_vm_allowed(const struct vm *vm);

/*
 * Run hypercall @id for @v, whose VM passed hypercall_vm_allowed and (on
 * x86) called from ring 0. Returns the value for the guest's result
 * register: 0 or a negative errno; -ENOTTY for an unknown id and for a call
 * this VM may not make (ACRN v3.3 answers both the same way).
 */
int64_t hypercall_dispatch(struct vcpu *v, uint64_t id, uint64_t p1, uint64_t p2);

/*
 * The same for a caller that is a VM rather than one of its vCPUs: the
 * board bridge, where the host plays the Service VM and has no vCPU here.
 */
int64_t hypercall_dispatch_vm(struct vm *caller, uint64_t id, uint64_t p1, uint64_t p2);

/* ---- for the handlers (hv/core/hc_*.c) ---- */
/* Copy from/to guest-physical memory of @vm; -EINVAL unless all of it is RAM. */
int hc_copy_from_gpa(struct vm *vm, void *dst, uint64_t gpa, size_t len);
int hc_copy_to_gpa(struct vm *vm, uint64_t gpa, const void *src, size_t len);
/*
 * Serializes the VM-management calls (not the wait of PAUSE_VM). Lock order:
 * this one first, then a VM's memory or asyncio lock, then uart -> ioapic ->
 * lapic -> run queue (CODING_STYLE.md).
 */
void hc_lock(void);
void hc_unlock(void);

/* Handlers: @service is the caller, @vm the (post-launched) target. */
int64_t hc_create_vm(struct vm *service, uint64_t gpa);
int64_t hc_destroy_vm(struct vm *vm);
int64_t hc_start_vm(struct vm *vm);
int64_t hc_pause_vm(struct vm *vm);
int64_t hc_reset_vm(struct vm *vm);
int64_t hc_set_vcpu_regs(struct vm *service, struct vm *vm, uint64_t gpa);
int64_t hc_set_memory_regions(struct vm *service, struct vm *vm, uint64_t gpa);
int64_t hc_gpa2hpa(struct vm *service, struct vm *vm, uint64_t gpa);
int64_t hc_set_ioreq_buffer(struct vm *service, struct vm *vm, uint64_t gpa);
int64_t hc_notify_request_finish(struct vm *vm, uint64_t vcpu_id);
int64_t hc_set_irqline(struct vm *vm, uint64_t param);
int64_t hc_inject_msi(struct vm *service, struct vm *vm, uint64_t gpa);
int64_t hc_asyncio_assign(struct vm *service, struct vm *vm, uint64_t gpa, bool assign);
int64_t hc_setup_sbuf(struct vm *service, struct vm *vm, uint64_t gpa);

#endif
