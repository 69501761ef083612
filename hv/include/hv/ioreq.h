/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The ioreq path of post-launched VMs: accesses the hypervisor does not
 * emulate go to the Service VM through the VM's ioreq page (ACRN v3.3 slot
 * states and ordering), posted writes through the asyncio ring. See
 * hv/core/ioreq.c and ARCHITECTURE.md.
 */
#ifndef HV_IOREQ_H
#define HV_IOREQ_H

#include <acrn/ioreq.h>
#include <hv/types.h>

struct vcpu;
struct vm;
struct vm_sbuf;

/* Whether the VM's vCPUs poll for completion instead of sleeping. */
bool ioreq_polling(const struct vm *vm);
/*
 * Put one access of @v into its slot, mark it PENDING, block @v (unless
 * polling) and raise the Service VM's upcall. -ENODEV without an ioreq page.
 */
int ioreq_send(struct vcpu *v, uint32_t type, bool write, uint64_t addr, unsigned size,
               uint64_t value);
/* Whether @v may enter the guest: no request outstanding, or its answer came. */
bool ioreq_ready(struct vcpu *v);
/*
 * On @v's pCPU: take the answer (the read value, masked to the access size)
 * and free the slot. -EAGAIN if no answered request is outstanding.
 */
int ioreq_finish(struct vcpu *v, uint64_t *value);
/* HC_NOTIFY_REQUEST_FINISH for vCPU @vcpu_id: -EINVAL unless its slot is COMPLETE. */
int ioreq_notify_finish(struct vm *vm, uint64_t vcpu_id);
/* Every slot FREE (start and reset of the VM). */
void ioreq_reset_slots(struct vm *vm);

/* HC_ASYNCIO_ASSIGN (@assign) or _DEASSIGN. */
int ioreq_asyncio_assign(struct vm *vm, const struct acrn_asyncio_info *info, bool assign);
/* Check the ring header at Service VM @gpa and use it for @sb (elements of @ele_size). */
int ioreq_sbuf_setup(struct vm *vm, struct vm_sbuf *sb, uint64_t gpa, uint32_t ele_size);
/*
 * A write of @value to @addr: post it if an asyncio registration matches.
 * 0 posted; -ENOSPC the ring is full (retry the instruction later);
 * -ENOENT no match; another error: the ring is unusable, send an ioreq.
 */
int ioreq_asyncio_post(struct vcpu *v, uint32_t type, uint64_t addr, uint64_t value);
/*
 * Tell the Service VM about an event of its post-launched VM (ACRN_VM_EVENT_*)
 * through the VM_EVENT ring and the upcall. -ENOENT without a ring, -ENOSPC
 * when it is full (the event is dropped; the VM's state still tells).
 */
int ioreq_vm_event(struct vm *vm, uint32_t type);

#endif
