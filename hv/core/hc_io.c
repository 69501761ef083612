/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Service VM hypercalls of a post-launched VM's I/O and interrupts (ACRN
 * v3.3 semantics): SET_IOREQ_BUFFER, NOTIFY_REQUEST_FINISH, SET_IRQLINE,
 * INJECT_MSI, ASYNCIO_ASSIGN/DEASSIGN and SETUP_SBUF (the asyncio ring).
 */
#include <acrn/hypercall.h>
#include <acrn/irq.h>
#include <acrn/sbuf.h>
#include <hv/errno.h>
#include <hv/hypercall.h>
#include <hv/ioreq.h>
#include <hv/lib.h>
#include <hv/mm.h>
#include <hv/vm.h>

#define ASYNCIO_ELEMENT_SIZE 8 /* the registration's fd token */

/* Parameter 2 points to a u64 holding the page's address, as the HSM passes it. */
int64_t hc_set_ioreq_buffer(struct vm *service, struct vm *vm, uint64_t gpa)
{
	struct acrn_io_request_buffer *page;
	uint64_t page_gpa;
	int err = 0;

	if (hc_copy_from_gpa(service, &page_gpa, gpa, sizeof(page_gpa)) ||
	    (page_gpa & (PAGE_SIZE - 1)))
		return -EINVAL;
	page = vm_gpa_to_hva(service, page_gpa, PAGE_SIZE);
	if (!page)
		return -EINVAL;
	hc_lock();
	/*
	 * Running vCPUs use the page without a lock: it changes only while none
	 * runs. Nor while paused: the paused vCPUs' outstanding requests live in
	 * it, and resume waits for their answers there.
	 */
	if (vm->state == VM_RUNNING || vm->state == VM_STOPPING || vm->state == VM_PAUSED ||
	    vm->vcpus_online) {
		err = -EBUSY;
	} else {
		vm->ioreq_page = page;
		ioreq_reset_slots(vm);
	}
	hc_unlock();
	return err;
}

int64_t hc_notify_request_finish(struct vm *vm, uint64_t vcpu_id)
{
	int err;

	hc_lock();
	err = ioreq_notify_finish(vm, vcpu_id);
	hc_unlock();
	return err;
}

int64_t hc_set_irqline(struct vm *vm, uint64_t param)
{
	uint32_t gsi = ACRN_IRQLINE_GSI(param), op = ACRN_IRQLINE_OP(param);

	if (gsi >= vm_arch_nr_irq_lines(vm) || op > GSI_FALLING_PULSE)
		return -EINVAL;
	hc_lock();
	switch (op) {
	case GSI_SET_HIGH:
		vm_set_irq_line(vm, gsi, true);
		break;
	case GSI_SET_LOW:
		vm_set_irq_line(vm, gsi, false);
		break;
	case GSI_RAISING_PULSE:
		vm_set_irq_line(vm, gsi, true);
		vm_set_irq_line(vm, gsi, false);
		break;
	default:
		vm_set_irq_line(vm, gsi, false);
		vm_set_irq_line(vm, gsi, true);
		break;
	}
	hc_unlock();
	return 0;
}

int64_t hc_inject_msi(struct vm *service, struct vm *vm, uint64_t gpa)
{
	struct acrn_msi_entry msi;
	int err;

	if (hc_copy_from_gpa(service, &msi, gpa, sizeof(msi)))
		return -EINVAL;
	hc_lock();
	/* Paused (or pausing): it waits in the vLAPIC and is delivered after resume. */
	if (vm->state == VM_RUNNING || vm->state == VM_STOPPING || vm->state == VM_PAUSED)
		err = vm_arch_inject_msi(vm, msi.msi_addr, msi.msi_data);
	else
		err = -EBUSY;
	hc_unlock();
	return err;
}

int64_t hc_asyncio_assign(struct vm *service, struct vm *vm, uint64_t gpa, bool assign)
{
	struct acrn_asyncio_info info;
	int err;

	if (hc_copy_from_gpa(service, &info, gpa, sizeof(info)))
		return -EINVAL;
	hc_lock();
	err = ioreq_asyncio_assign(vm, &info, assign);
	hc_unlock();
	return err;
}

int64_t hc_setup_sbuf(struct vm *service, struct vm *vm, uint64_t gpa)
{
	struct acrn_sbuf_param p;
	int err;

	if (hc_copy_from_gpa(service, &p, gpa, sizeof(p)))
		return -EINVAL;
	/* Per-VM rings only: the per-pCPU ones (trace, log, profiling) are not provided. */
	if (p.sbuf_id != ACRN_ASYNCIO && p.sbuf_id != ACRN_VM_EVENT)
		return -EINVAL;
	hc_lock();
	if (p.sbuf_id == ACRN_ASYNCIO)
		err = ioreq_sbuf_setup(vm, &vm->asyncio_sbuf, p.gpa, ASYNCIO_ELEMENT_SIZE);
	else
		err = ioreq_sbuf_setup(vm, &vm->event_sbuf, p.gpa, sizeof(struct vm_event));
	hc_unlock();
	return err;
}
