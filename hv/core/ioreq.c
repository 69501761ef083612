/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The ioreq path of post-launched VMs (ACRN v3.3's io_req.c semantics).
 *
 * A vCPU's access that no hypervisor device claims goes into its slot of
 * the VM's ioreq page (Service VM memory): the hypervisor fills the body,
 * stores PENDING with release ordering, blocks the vCPU and raises the
 * Service VM's upcall. The Service VM moves the slot to PROCESSING and
 * COMPLETE and calls HC_NOTIFY_REQUEST_FINISH, which wakes the vCPU; on its
 * own pCPU, before the next entry, the vCPU reads the result (acquire),
 * frees the slot and lets the architecture finish the instruction. With
 * GUEST_FLAG_IO_COMPLETION_POLLING the vCPU does not block: it polls the
 * slot for COMPLETE instead.
 *
 * Writes matching an HC_ASYNCIO_ASSIGN registration are posted: the
 * registration's token goes into the asyncio ring and the vCPU goes on.
 *
 * The page and the ring are Service VM memory: their contents are hostile
 * and read once; the hypervisor never trusts a state or index it did not
 * write itself beyond checking it.
 */
#include <acrn/vm.h>
#include <hv/errno.h>
#include <hv/ioreq.h>
#include <hv/lib.h>
#include <hv/log.h>
#include <hv/vcpu.h>
#include <hv/vm.h>

static struct acrn_io_request *slot_of(struct vcpu *v)
{
	return &v->vm->ioreq_page->req_slot[v->id];
}

static void upcall(struct vm *vm)
{
	struct vm *service = vm->service;

	if (service && service->upcall)
		service->upcall(service);
}

bool ioreq_polling(const struct vm *vm)
{
	return vm->guest_flags & GUEST_FLAG_IO_COMPLETION_POLLING;
}

int ioreq_send(struct vcpu *v, uint32_t type, bool write, uint64_t addr, unsigned size,
               uint64_t value)
{
	struct vm *vm = v->vm;
	struct acrn_io_request *slot;
	struct vcpu_ioreq *r = &v->ioreq;

	if (!vm->ioreq_page || v->id >= ACRN_IO_REQUEST_MAX)
		return -ENODEV;
	if (r->pending)
		return -EBUSY;
	*r = (struct vcpu_ioreq){ .pending = true,
		                  .type = type,
		                  .write = write,
		                  .size = size,
		                  .addr = addr,
		                  .value = value };
	slot = slot_of(v);
	slot->type = type;
	slot->completion_polling = ioreq_polling(vm);
	slot->kernel_handled = 0;
	memset(&slot->reqs, 0, sizeof(slot->reqs));
	if (type == ACRN_IOREQ_TYPE_PORTIO) {
		slot->reqs.pio_request.direction =
		        write ? ACRN_IOREQ_DIR_WRITE : ACRN_IOREQ_DIR_READ;
		slot->reqs.pio_request.address = addr;
		slot->reqs.pio_request.size = size;
		slot->reqs.pio_request.value = (uint32_t)value;
	} else {
		slot->reqs.mmio_request.direction =
		        write ? ACRN_IOREQ_DIR_WRITE : ACRN_IOREQ_DIR_READ;
		slot->reqs.mmio_request.address = addr;
		slot->reqs.mmio_request.size = size;
		slot->reqs.mmio_request.value = value;
	}
	/* Block before publishing: the answer may come from another pCPU at once. */
	if (!ioreq_polling(vm))
		vcpu_wait_io(v);
	__atomic_store_n(&slot->processed, ACRN_IOREQ_STATE_PENDING, __ATOMIC_RELEASE);
	upcall(vm);
	return 0;
}

bool ioreq_ready(struct vcpu *v)
{
	if (!v->ioreq.pending)
		return true;
	if (ioreq_polling(v->vm) && v->vm->ioreq_page &&
	    __atomic_load_n(&slot_of(v)->processed, __ATOMIC_ACQUIRE) == ACRN_IOREQ_STATE_COMPLETE)
		v->ioreq.done = true;
	return v->ioreq.done;
}

int ioreq_finish(struct vcpu *v, uint64_t *value)
{
	struct vcpu_ioreq *r = &v->ioreq;
	struct acrn_io_request *slot;
	uint64_t mask = r->size >= 8 ? ~0ULL : (1ULL << (r->size * 8)) - 1;

	if (!r->pending || !r->done)
		return -EAGAIN;
	r->pending = r->done = false;
	/* The page may have been replaced or dropped meanwhile (VM reset): reads give all ones. */
	if (!v->vm->ioreq_page) {
		*value = ~0ULL & mask;
		return 0;
	}
	slot = slot_of(v);
	(void)__atomic_load_n(&slot->processed, __ATOMIC_ACQUIRE);
	if (r->write)
		*value = r->value;
	else if (r->type == ACRN_IOREQ_TYPE_PORTIO)
		*value = __atomic_load_n(&slot->reqs.pio_request.value, __ATOMIC_RELAXED) & mask;
	else
		*value = __atomic_load_n(&slot->reqs.mmio_request.value, __ATOMIC_RELAXED) & mask;
	r->value = *value;
	__atomic_store_n(&slot->processed, ACRN_IOREQ_STATE_FREE, __ATOMIC_RELEASE);
	return 0;
}

int ioreq_notify_finish(struct vm *vm, uint64_t vcpu_id)
{
	struct vcpu *v;

	if (vcpu_id >= vm->nr_vcpus || !vm->ioreq_page)
		return -EINVAL;
	v = &vm->vcpus[vcpu_id];
	/* Only a request we sent and that the Service VM marked COMPLETE can finish. */
	if (!v->ioreq.pending || v->ioreq.done ||
	    __atomic_load_n(&slot_of(v)->processed, __ATOMIC_ACQUIRE) != ACRN_IOREQ_STATE_COMPLETE)
		return -EINVAL;
	v->ioreq.done = true;
	/* Polling vCPUs never sleep; the others are asleep or about to be. */
	vcpu_wake_io(v);
	return 0;
}

void ioreq_reset_slots(struct vm *vm)
{
	if (!vm->ioreq_page)
		return;
	for (unsigned i = 0; i < ACRN_IO_REQUEST_MAX; i++)
		__atomic_store_n(&vm->ioreq_page->req_slot[i].processed, ACRN_IOREQ_STATE_FREE,
		                 __ATOMIC_RELEASE);
}

/* ---- asyncio: posted writes ---- */

int ioreq_asyncio_assign(struct vm *vm, const struct acrn_asyncio_info *info, bool assign)
{
	int err = assign ? -ENOSPC : -ENOENT;
	struct vm_asyncio *free = NULL;

	if ((info->type != ACRN_ASYNCIO_PIO && info->type != ACRN_ASYNCIO_MMIO) ||
	    (info->type == ACRN_ASYNCIO_PIO && info->addr > 0xFFFF) || info->match_data > 1)
		return -EINVAL;
	spin_lock(&vm->asyncio_lock);
	for (unsigned i = 0; i < ACRN_ASYNCIO_MAX; i++) {
		struct vm_asyncio *a = &vm->asyncio[i];
		bool same = a->used && a->type == info->type && a->addr == info->addr &&
		            a->match_data == !!info->match_data &&
		            (!info->match_data || a->data == info->data);

		if (!a->used && !free)
			free = a;
		if (!same)
			continue;
		if (assign) {
			err = -EEXIST;
		} else {
			a->used = false;
			err = 0;
		}
		free = NULL;
		break;
	}
	if (assign && free && err == -ENOSPC) {
		*free = (struct vm_asyncio){ .used = true,
			                     .type = info->type,
			                     .match_data = !!info->match_data,
			                     .addr = info->addr,
			                     .data = info->data,
			                     .fd = info->fd };
		err = 0;
	}
	spin_unlock(&vm->asyncio_lock);
	return err;
}

int ioreq_sbuf_setup(struct vm *vm, struct vm_sbuf *sb, uint64_t gpa, uint32_t ele_size)
{
	struct vm *service = vm->service;
	struct shared_buf hdr, *p;

	if (!service || (gpa & 7))
		return -EINVAL;
	p = vm_gpa_to_hva(service, gpa, ACRN_SBUF_HEAD_SIZE);
	if (!p)
		return -EINVAL;
	memcpy(&hdr, p, sizeof(hdr));
	if (hdr.magic != ACRN_SBUF_MAGIC || hdr.ele_size != ele_size || hdr.ele_num < 2 ||
	    (uint64_t)hdr.ele_num * ele_size != hdr.size ||
	    hdr.size > ACRN_SBUF_MAX_SIZE - ACRN_SBUF_HEAD_SIZE ||
	    !vm_gpa_to_hva(service, gpa, ACRN_SBUF_HEAD_SIZE + (uint64_t)hdr.size))
		return -EINVAL;
	spin_lock(&vm->asyncio_lock);
	*sb = (struct vm_sbuf){ .hdr = p, .ele_size = ele_size, .size = hdr.size };
	__atomic_store_n(&p->tail, 0, __ATOMIC_RELEASE);
	spin_unlock(&vm->asyncio_lock);
	return 0;
}

/* Push one element; -ENOSPC when full, -EINVAL when the consumer index is garbage. */
static int sbuf_put(struct vm_sbuf *sb, const void *elem)
{
	uint32_t head = __atomic_load_n(&sb->hdr->head, __ATOMIC_ACQUIRE);
	uint32_t tail = sb->tail;
	uint32_t next = tail + sb->ele_size == sb->size ? 0 : tail + sb->ele_size;

	if (head >= sb->size || head % sb->ele_size)
		return -EINVAL;
	if (next == head)
		return -ENOSPC;
	memcpy((uint8_t *)sb->hdr + ACRN_SBUF_HEAD_SIZE + tail, elem, sb->ele_size);
	sb->tail = next;
	__atomic_store_n(&sb->hdr->tail, next, __ATOMIC_RELEASE);
	return 0;
}

int ioreq_asyncio_post(struct vcpu *v, uint32_t type, uint64_t addr, uint64_t value)
{
	struct vm *vm = v->vm;
	int err = -ENOENT;

	if (!vm->asyncio_sbuf.hdr)
		return -ENOENT;
	spin_lock(&vm->asyncio_lock);
	for (unsigned i = 0; i < ACRN_ASYNCIO_MAX; i++) {
		const struct vm_asyncio *a = &vm->asyncio[i];

		if (!a->used || a->type != type || a->addr != addr ||
		    (a->match_data && a->data != value))
			continue;
		err = sbuf_put(&vm->asyncio_sbuf, &a->fd);
		break;
	}
	spin_unlock(&vm->asyncio_lock);
	/* A full ring also calls: the Service VM must drain it for the retry to succeed. */
	if (err == 0 || err == -ENOSPC)
		upcall(vm);
	return err;
}

int ioreq_vm_event(struct vm *vm, uint32_t type)
{
	struct vm_event ev = { .type = type };
	int err = -ENOENT;

	spin_lock(&vm->asyncio_lock);
	if (vm->event_sbuf.hdr)
		err = sbuf_put(&vm->event_sbuf, &ev);
	spin_unlock(&vm->asyncio_lock);
	/* Even without a ring the Service VM hears that something happened. */
	upcall(vm);
	return err;
}
