/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The ioreq thread: wait for the hypervisor's requests, dispatch every
 * slot in PROCESSING, complete it, and act on power requests in between.
 * The hypervisor and the HSM own FREE and PENDING; this thread writes only
 * COMPLETE, as its last write to the slot (release), after reading
 * `processed` first (acquire).
 */
#include <errno.h>

#include <acrn/ioreq.h>
#include <dm/io.h>
#include <dm/log.h>
#include <dm/transport.h>
#include <dm/vm.h>

#include "core.h"

int dm_ioreq_scan(struct dm_vm *vm)
{
	struct dm_transport *t = vm->t;
	struct acrn_io_request_buffer *page = t->ioreq_page;
	unsigned n = vm->ncpus && vm->ncpus < ACRN_IO_REQUEST_MAX ? vm->ncpus : ACRN_IO_REQUEST_MAX;
	int handled = 0;

	for (unsigned i = 0; i < n; i++) {
		struct acrn_io_request *req = &page->req_slot[i];
		int ret;

		if (__atomic_load_n(&req->processed, __ATOMIC_ACQUIRE) !=
		            ACRN_IOREQ_STATE_PROCESSING ||
		    req->kernel_handled)
			continue;
		dm_io_dispatch(vm, req);
		__atomic_store_n(&req->processed, ACRN_IOREQ_STATE_COMPLETE, __ATOMIC_RELEASE);
		handled++;
		/*
		 * A device asked for a reset, suspend or power-off: keep the vCPU
		 * where it is; the power path pauses the VM and clears the slots.
		 */
		if (g_atomic_int_get(&vm->core->power_req) != DM_POWER_NONE)
			continue;
		ret = t->ops->notify_request_finish(t, i);
		if (ret)
			dm_warn("cannot complete the request of vCPU %u: %s", i, g_strerror(-ret));
	}
	return handled;
}

static gpointer ioreq_thread(gpointer data)
{
	struct dm_vm *vm = data;
	struct dm_vm_core *core = vm->core;
	struct dm_transport *t = vm->t;
	int status = 0;

	while (!g_atomic_int_get(&core->stop)) {
		int ret = t->ops->wait_requests(t);
		const char *reason;
		enum dm_power what;

		if (ret == -EPIPE) {
			/* The hypervisor stopped the guest: a triple fault. */
			dm_vm_handle_power(vm, DM_POWER_TRIPLE_FAULT, NULL);
			status = core->loop_status;
			break;
		}
		if (ret == -ESHUTDOWN) {
			/* Our own power-off ends the loop before this: someone else destroyed the VM. */
			dm_err("the VM was destroyed outside acrn-dm");
			status = ret;
			break;
		}
		if (ret && ret != -EINTR) {
			dm_err("waiting for I/O requests: %s", g_strerror(-ret));
			status = ret;
			break;
		}
		dm_ioreq_scan(vm);
		what = dm_vm_take_power(vm, &reason);
		if (what != DM_POWER_NONE && dm_vm_handle_power(vm, what, reason)) {
			status = core->loop_status;
			break;
		}
	}
	core->loop_status = status;
	g_atomic_int_set(&core->done, 1);
	if (!g_atomic_int_get(&core->stop) && core->stopped)
		core->stopped(vm, status, core->stopped_opaque);
	return NULL;
}

int dm_ioreq_start(struct dm_vm *vm, GError **error)
{
	GThread *th = g_thread_try_new("ioreq", ioreq_thread, vm, error);

	if (!th)
		return -EAGAIN;
	vm->core->thread = th;
	return 0;
}

int dm_ioreq_stop(struct dm_vm *vm)
{
	struct dm_vm_core *core = vm->core;

	if (!core->thread)
		return core->loop_status;
	g_atomic_int_set(&core->stop, 1);
	if (g_thread_self() != core->thread) {
		if (!g_atomic_int_get(&core->done))
			vm->t->ops->wake_requests(vm->t);
		g_thread_join(core->thread);
	} else {
		g_thread_unref(core->thread);
	}
	core->thread = NULL;
	return core->loop_status;
}
