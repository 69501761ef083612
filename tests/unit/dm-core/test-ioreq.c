/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The ioreq thread against a fake hypervisor: requests in, completions
 * out, in ACRN's slot states, and the power transitions devices ask for.
 */
#include <errno.h>
#include <string.h>

#include <dm/io.h>
#include <dm/log.h>
#include <dm/monitor.h>
#include <dm/vm.h>

#include "../../../dm/core/core.h"
#include "doubles.h"
#include "fake-transport.h"

#define MIB (1ULL << 20)

struct fixture {
	struct dm_vm vm;
	struct fake_transport *f;
	uint8_t regs[8];
	uint32_t state_in_handler; /* the slot's state while the device ran */
	int stopped_status, stopped_calls;
};

static struct fixture *cur;

static int dev_io(struct dm_vm *vm, void *opaque, bool write, uint64_t offset, unsigned size,
                  uint64_t *val)
{
	struct fixture *fx = opaque;

	(void)vm;
	fx->state_in_handler =
	        __atomic_load_n(&fx->f->page->req_slot[0].processed, __ATOMIC_ACQUIRE);
	if (write)
		memcpy(fx->regs + offset, val, size);
	else
		memcpy(val, fx->regs + offset, size);
	return 0;
}

/* Port 0xCF9-style power register: the value written is the enum dm_power asked for. */
static int power_io(struct dm_vm *vm, void *opaque, bool write, uint64_t offset, unsigned size,
                    uint64_t *val)
{
	(void)opaque;
	(void)offset;
	(void)size;
	if (write)
		dm_vm_request_power(vm, (enum dm_power) * val);
	else
		*val = 0;
	return 0;
}

static void stopped(struct dm_vm *vm, int status, void *opaque)
{
	struct fixture *fx = opaque;

	(void)vm;
	fx->stopped_status = status;
	g_atomic_int_inc(&fx->stopped_calls);
}

static int boot(struct dm_vm *vm, void *opaque)
{
	struct acrn_vcpu_regs regs = { 0 };

	fake_record(opaque, "boot");
	regs.vcpu_regs.rip = 0x1000000;
	return vm->t->ops->set_vcpu_regs(vm->t, &regs);
}

static void setup(struct fixture *fx, gconstpointer data)
{
	struct dm_io_range dev = { "dev", 0x500, 8, dev_io, fx, false };
	struct dm_io_range mdev = { "mdev", 0xD0000000, 8, dev_io, fx, false };
	struct dm_io_range pwr = { "pwr", 0xCF9, 1, power_io, fx, false };
	GError *err = NULL;

	(void)data;
	memset(fx, 0, sizeof(*fx));
	cur = fx;
	doubles_reset();
	fx->f = fake_vm_new(&fx->vm, 2, 4 * MIB);
	g_assert_cmpint(dm_io_register_pio(&fx->vm, &dev), ==, 0);
	g_assert_cmpint(dm_io_register_mmio(&fx->vm, &mdev), ==, 0);
	g_assert_cmpint(dm_io_register_pio(&fx->vm, &pwr), ==, 0);
	dm_vm_set_stopped(&fx->vm, stopped, fx);
	dm_vm_set_boot(&fx->vm, boot, fx->f);
	g_assert_cmpint(dm_ioreq_start(&fx->vm, &err), ==, 0);
	g_assert_no_error(err);
	g_assert_cmpint(dm_vm_start(&fx->vm), ==, 0);
}

static void teardown(struct fixture *fx, gconstpointer data)
{
	(void)data;
	dm_ioreq_stop(&fx->vm);
	fake_vm_free(&fx->vm, fx->f);
}

static struct acrn_io_request pio(bool write, uint64_t port, unsigned size, uint32_t val)
{
	struct acrn_io_request r = { .type = ACRN_IOREQ_TYPE_PORTIO };

	r.reqs.pio_request.direction = write ? ACRN_IOREQ_DIR_WRITE : ACRN_IOREQ_DIR_READ;
	r.reqs.pio_request.address = port;
	r.reqs.pio_request.size = size;
	r.reqs.pio_request.value = val;
	return r;
}

static struct acrn_io_request mmio(bool write, uint64_t addr, unsigned size, uint64_t val)
{
	struct acrn_io_request r = { .type = ACRN_IOREQ_TYPE_MMIO };

	r.reqs.mmio_request.direction = write ? ACRN_IOREQ_DIR_WRITE : ACRN_IOREQ_DIR_READ;
	r.reqs.mmio_request.address = addr;
	r.reqs.mmio_request.size = size;
	r.reqs.mmio_request.value = val;
	return r;
}

static void test_round_trips(struct fixture *fx, gconstpointer data)
{
	struct acrn_io_request r;

	(void)data;
	r = pio(true, 0x502, 2, 0xBEEF);
	g_assert_true(fake_hv_request(fx->f, 0, &r));
	g_assert_cmpuint(fx->regs[2], ==, 0xEF);
	g_assert_cmpuint(fx->regs[3], ==, 0xBE);
	/* Ordering: the device ran while the slot was PROCESSING; notify came after COMPLETE. */
	g_assert_cmpuint(fx->state_in_handler, ==, ACRN_IOREQ_STATE_PROCESSING);
	g_assert_cmpuint(fx->f->state_at_notify[0], ==, ACRN_IOREQ_STATE_COMPLETE);
	g_assert_cmpuint(fake_nth(fx->f, "notify_request_finish", 0)->a, ==, 0);

	r = pio(false, 0x502, 2, 0);
	g_assert_true(fake_hv_request(fx->f, 0, &r));
	g_assert_cmpuint(r.reqs.pio_request.value, ==, 0xBEEF);
	g_assert_cmpuint(r.processed, ==, ACRN_IOREQ_STATE_COMPLETE);

	r = mmio(true, 0xD0000000, 8, 0x0102030405060708ULL);
	g_assert_true(fake_hv_request(fx->f, 1, &r));
	g_assert_cmpuint(fx->f->state_at_notify[1], ==, ACRN_IOREQ_STATE_COMPLETE);
	r = mmio(false, 0xD0000004, 4, 0);
	g_assert_true(fake_hv_request(fx->f, 1, &r));
	g_assert_cmpuint(r.reqs.mmio_request.value, ==, 0x01020304);
	g_assert_cmpuint(fake_nth(fx->f, "notify_request_finish", 3)->a, ==, 1);

	/* Unclaimed: all ones, still completed. */
	r = mmio(false, 0xFED40000, 4, 0);
	g_assert_true(fake_hv_request(fx->f, 0, &r));
	g_assert_cmpuint(r.reqs.mmio_request.value, ==, 0xFFFFFFFF);

	/* PCICFG goes to the PCI bus. */
	r = (struct acrn_io_request){ .type = ACRN_IOREQ_TYPE_PCICFG };
	r.reqs.pci_request.direction = ACRN_IOREQ_DIR_READ;
	r.reqs.pci_request.size = 4;
	r.reqs.pci_request.dev = 2;
	cfg_read_value = 0x12348086;
	g_assert_true(fake_hv_request(fx->f, 1, &r));
	g_assert_cmpint(r.reqs.pci_request.value, ==, 0x12348086);
	g_assert_cmpuint(cfg_log->len, ==, 1);
	g_assert_cmpuint(g_array_index(cfg_log, struct cfg_access, 0).slot, ==, 2);
	g_assert_cmpuint(fake_count(fx->f, "notify_request_finish"), ==, 6);
}

static void test_slots(struct fixture *fx, gconstpointer data)
{
	struct acrn_io_request r = pio(true, 0x500, 1, 0x42);
	struct acrn_io_request *s0 = &fx->f->page->req_slot[0];
	struct acrn_io_request *s1 = &fx->f->page->req_slot[1];

	(void)data;
	/* The HSM handled this one in the kernel: not ours, left alone. */
	r.kernel_handled = 1;
	memcpy(s1, &r, sizeof(r));
	__atomic_store_n(&s1->processed, ACRN_IOREQ_STATE_PROCESSING, __ATOMIC_RELEASE);
	/* PENDING is still the hypervisor's: not ours either. */
	r = pio(true, 0x501, 1, 0x43);
	memcpy(s0, &r, sizeof(r));
	__atomic_store_n(&s0->processed, ACRN_IOREQ_STATE_PENDING, __ATOMIC_RELEASE);
	fx->f->t.ops->wake_requests(&fx->f->t);
	g_usleep(50000);
	g_assert_cmpuint(fake_count(fx->f, "notify_request_finish"), ==, 0);
	g_assert_cmpuint(s1->processed, ==, ACRN_IOREQ_STATE_PROCESSING);
	g_assert_cmpuint(s0->processed, ==, ACRN_IOREQ_STATE_PENDING);
	g_assert_cmpuint(fx->regs[0], ==, 0);
	g_assert_cmpuint(fx->regs[1], ==, 0);

	/* Two vCPUs' requests in one wakeup: both are served. */
	s1->kernel_handled = 0;
	__atomic_store_n(&s0->processed, ACRN_IOREQ_STATE_PROCESSING, __ATOMIC_RELEASE);
	fx->f->t.ops->wake_requests(&fx->f->t);
	g_assert_true(fake_wait_calls(fx->f, "notify_request_finish", 2));
	g_assert_cmpuint(fx->regs[0], ==, 0x42);
	g_assert_cmpuint(fx->regs[1], ==, 0x43);
	g_assert_cmpuint(s0->processed, ==, ACRN_IOREQ_STATE_COMPLETE);
	g_assert_cmpuint(s1->processed, ==, ACRN_IOREQ_STATE_COMPLETE);
}

static void hook(struct dm_vm *vm, void *opaque)
{
	(void)vm;
	fake_record(cur->f, opaque);
}

static void test_reset(struct fixture *fx, gconstpointer data)
{
	struct acrn_io_request r = pio(true, 0xCF9, 1, DM_POWER_RESET);
	const char *seq[] = { "pause_vm", "clear_vm_ioreq", "hook-A",        "hook-B",  "hook-C",
		              "reset_vm", "boot",           "set_vcpu_regs", "start_vm" };
	int last = -1;
	char *ev;

	(void)data;
	dm_vm_add_reset_hook(&fx->vm, hook, "hook-A");
	dm_vm_add_reset_hook(&fx->vm, hook, "hook-B");
	dm_vm_add_reset_hook(&fx->vm, hook, "hook-C");
	fake_clear_calls(fx->f);
	fake_hv_post(fx->f, 0, &r);
	g_assert_true(fake_wait_calls(fx->f, "start_vm", 1));
	g_assert_true(events_wait(2));

	/* The request that asked for the reset is not resumed: the reset clears it. */
	g_assert_cmpuint(fake_count(fx->f, "notify_request_finish"), ==, 0);
	for (size_t i = 0; i < G_N_ELEMENTS(seq); i++) {
		int idx = fake_index(fx->f, seq[i]);

		g_test_message("%s at %d", seq[i], idx);
		g_assert_cmpint(idx, >, last);
		last = idx;
	}
	g_assert_cmpuint(fx->f->regs.vcpu_regs.rip, ==, 0x1000000);
	ev = events_joined();
	g_assert_cmpstr(ev, ==, "shutdown reboot");
	g_free(ev);
	ev = event_string("shutdown", "reason");
	g_assert_cmpstr(ev, ==, "guest-reset");
	g_free(ev);
	ev = event_string("reboot", "reason");
	g_assert_cmpstr(ev, ==, "guest");
	g_free(ev);
	g_assert_cmpint(dm_vm_state(&fx->vm), ==, DM_VM_RUNNING);
	g_assert_cmpint(fx->stopped_calls, ==, 0);

	/* The VM keeps running: requests are served after the reset. */
	r = pio(true, 0x500, 1, 0x99);
	g_assert_true(fake_hv_request(fx->f, 0, &r));
	g_assert_cmpuint(fx->regs[0], ==, 0x99);
}

static void test_poweroff(struct fixture *fx, gconstpointer data)
{
	struct acrn_io_request r = pio(true, 0xCF9, 1, DM_POWER_OFF);
	char *ev;

	(void)data;
	fake_clear_calls(fx->f);
	fake_hv_post(fx->f, 1, &r);
	g_assert_true(fake_wait_calls(fx->f, "destroy_vm", 1));
	g_assert_true(events_wait(2));
	ev = events_joined();
	g_assert_cmpstr(ev, ==, "shutdown poweroff");
	g_free(ev);
	ev = event_string("poweroff", "reason");
	g_assert_cmpstr(ev, ==, "guest");
	g_free(ev);
	g_assert_cmpint(fake_index(fx->f, "pause_vm"), <, fake_index(fx->f, "destroy_vm"));
	while (!g_atomic_int_get(&fx->stopped_calls))
		g_usleep(1000);
	g_assert_cmpint(fx->stopped_status, ==, 0);
	g_assert_cmpint(dm_vm_state(&fx->vm), ==, DM_VM_STOPPED);
	g_assert_cmpint(dm_ioreq_stop(&fx->vm), ==, 0);
	/* Already destroyed: teardown does not destroy twice. */
	dm_vm_destroy(&fx->vm);
	g_assert_cmpuint(fake_count(fx->f, "destroy_vm"), ==, 1);
	fake_vm_free(&fx->vm, fx->f);
	fx->f = fake_vm_new(&fx->vm, 1, 0); /* for teardown() */
}

static void test_poweroff_from_main(struct fixture *fx, gconstpointer data)
{
	char *reason;

	(void)data;
	/* SIGTERM or the monitor: another thread asks while the loop waits. */
	g_usleep(10000);
	dm_vm_request_power(&fx->vm, DM_POWER_OFF);
	g_assert_true(fake_wait_calls(fx->f, "destroy_vm", 1));
	g_assert_true(events_wait(1));
	reason = event_string("poweroff", "reason");
	g_assert_cmpstr(reason, ==, "destroy"); /* not from the guest: the monitor's destroy */
	g_free(reason);
	while (!g_atomic_int_get(&fx->stopped_calls))
		g_usleep(1000);
	g_assert_cmpint(fx->stopped_status, ==, 0);
}

static void test_destroyed_outside(struct fixture *fx, gconstpointer data)
{
	(void)data;
	/* The transport reports the VM gone without acrn-dm asking: an error exit. */
	g_mutex_lock(&fx->f->lock);
	fx->f->shutdown = true;
	g_cond_broadcast(&fx->f->cond);
	g_mutex_unlock(&fx->f->lock);
	while (!g_atomic_int_get(&fx->stopped_calls))
		g_usleep(1000);
	g_assert_cmpint(fx->stopped_status, ==, -ESHUTDOWN);
	g_assert_cmpint(dm_ioreq_stop(&fx->vm), ==, -ESHUTDOWN);
}

static void test_triple_fault(struct fixture *fx, gconstpointer data)
{
	char *ev;

	(void)data;
	/* Policy: a triple fault powers the VM off, it does not reset it. */
	dm_vm_request_power(&fx->vm, DM_POWER_TRIPLE_FAULT);
	g_assert_true(events_wait(2));
	ev = events_joined();
	g_assert_cmpstr(ev, ==, "triple_fault poweroff");
	g_free(ev);
	ev = event_string("poweroff", "reason");
	g_assert_cmpstr(ev, ==, "triple_fault");
	g_free(ev);
	g_assert_cmpuint(fake_count(fx->f, "reset_vm"), ==, 0);
}

static void test_triple_fault_from_hv(struct fixture *fx, gconstpointer data)
{
	char *ev;

	(void)data;
	/* The hypervisor reports it through the transport: events, power-off, exit 0. */
	g_mutex_lock(&fx->f->lock);
	fx->f->triple_fault = true;
	g_cond_broadcast(&fx->f->cond);
	g_mutex_unlock(&fx->f->lock);
	g_assert_true(events_wait(2));
	ev = events_joined();
	g_assert_cmpstr(ev, ==, "triple_fault poweroff");
	g_free(ev);
	while (!g_atomic_int_get(&fx->stopped_calls))
		g_usleep(1000);
	g_assert_cmpint(fx->stopped_status, ==, 0);
	g_assert_cmpuint(fake_count(fx->f, "destroy_vm"), ==, 1);
}

static void test_suspend_resume(struct fixture *fx, gconstpointer data)
{
	struct acrn_io_request r = pio(true, 0xCF9, 1, DM_POWER_SUSPEND);
	struct acrn_regs *regs = &fx->f->regs.vcpu_regs;
	char *ev;

	(void)data;
	acpi_waking_vector = 0x9A01C; /* what the guest left in its FACS */
	dm_vm_add_reset_hook(&fx->vm, hook, "hook-A");
	fake_hv_post(fx->f, 0, &r);
	g_assert_true(events_wait(2));
	g_assert_cmpint(dm_vm_state(&fx->vm), ==, DM_VM_SUSPENDED);
	g_assert_cmpuint(fake_count(fx->f, "pause_vm"), ==, 1);
	g_assert_cmpuint(fake_count(fx->f, "notify_request_finish"), ==, 0);
	/* Only resume wakes it; pause does not apply to a suspended VM. */
	g_assert_cmpint(dm_vm_pause(&fx->vm), ==, -EINVAL);
	g_assert_cmpint(dm_vm_resume(&fx->vm), ==, 0);
	g_assert_true(events_wait(3));
	ev = events_joined();
	g_assert_cmpstr(ev, ==, "shutdown suspend wakeup");
	g_free(ev);
	ev = event_string("wakeup", "reason");
	g_assert_cmpstr(ev, ==, "monitor");
	g_free(ev);
	g_assert_cmpint(fake_index(fx->f, "clear_vm_ioreq"), <, fake_index(fx->f, "hook-A"));
	g_assert_cmpint(fake_index(fx->f, "hook-A"), <, fake_index(fx->f, "reset_vm"));
	g_assert_cmpint(fake_index(fx->f, "reset_vm"), <, fake_index(fx->f, "set_vcpu_regs"));
	/* Real mode at the waking vector. */
	g_assert_cmpuint(regs->cs_sel, ==, 0x9A01);
	g_assert_cmpuint(regs->cs_base, ==, 0x9A010);
	g_assert_cmpuint(regs->rip, ==, 0xC);
	g_assert_cmpuint(regs->cr0 & 1, ==, 0);
	g_assert_cmpuint(fake_count(fx->f, "boot"), ==, 0); /* memory kept: no kernel reload */
	g_assert_cmpint(dm_vm_state(&fx->vm), ==, DM_VM_RUNNING);
}

static void test_suspend_no_vector(struct fixture *fx, gconstpointer data)
{
	char *ev;

	(void)data;
	/* No waking vector: waking up is impossible, the VM is powered off instead. */
	dm_vm_request_power(&fx->vm, DM_POWER_SUSPEND);
	g_assert_true(events_wait(1));
	g_assert_cmpint(dm_vm_resume(&fx->vm), ==, 0);
	g_assert_true(events_wait(2));
	ev = events_joined();
	g_assert_cmpstr(ev, ==, "suspend poweroff");
	g_free(ev);
	ev = event_string("poweroff", "reason");
	g_assert_cmpstr(ev, ==, "error");
	g_free(ev);
	while (!g_atomic_int_get(&fx->stopped_calls))
		g_usleep(1000);
	g_assert_cmpint(fx->stopped_status, ==, -ENOENT); /* acrn-dm exits with an error */
}

static void test_pause_resume(struct fixture *fx, gconstpointer data)
{
	char *ev;

	(void)data;
	g_assert_cmpint(dm_vm_resume(&fx->vm), ==, -EALREADY);
	g_assert_cmpint(dm_vm_pause(&fx->vm), ==, 0);
	g_assert_cmpint(dm_vm_state(&fx->vm), ==, DM_VM_PAUSED);
	g_assert_cmpint(dm_vm_pause(&fx->vm), ==, -EALREADY);
	g_assert_cmpint(dm_vm_resume(&fx->vm), ==, 0);
	g_assert_cmpint(dm_vm_state(&fx->vm), ==, DM_VM_RUNNING);
	ev = events_joined();
	g_assert_cmpstr(ev, ==, ""); /* the monitor emits paused/resumed */
	g_free(ev);
	g_assert_cmpuint(fake_count(fx->f, "pause_vm"), ==, 1);
	g_assert_cmpuint(fake_count(fx->f, "start_vm"), ==, 2);
}

static void test_query(struct fixture *fx, gconstpointer data)
{
	JsonObject *o = dm_vm_query(&fx->vm);

	(void)data;
	g_assert_cmpstr(json_object_get_string_member(o, "name"), ==, "testvm");
	g_assert_cmpstr(json_object_get_string_member(o, "state"), ==, "running");
	g_assert_cmpint(json_object_get_int_member(o, "vcpus"), ==, 2);
	g_assert_cmpint(json_object_get_int_member(o, "memory"), ==, 4 * MIB);
	g_assert_cmpuint(json_array_get_length(json_object_get_array_member(o, "devices")), ==, 0);
	json_object_unref(o);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
#define T(name, fn) g_test_add("/dm-core/ioreq/" name, struct fixture, NULL, setup, fn, teardown)
	T("round-trips", test_round_trips);
	T("slots", test_slots);
	T("reset", test_reset);
	T("poweroff", test_poweroff);
	T("poweroff-from-main", test_poweroff_from_main);
	T("destroyed-outside", test_destroyed_outside);
	T("triple-fault", test_triple_fault);
	T("triple-fault-from-hv", test_triple_fault_from_hv);
	T("suspend-resume", test_suspend_resume);
	T("suspend-no-vector", test_suspend_no_vector);
	T("pause-resume", test_pause_resume);
	T("query", test_query);
	return g_test_run();
}
