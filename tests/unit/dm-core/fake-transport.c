/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <string.h>
#include <sys/mman.h>

#include "../../../dm/core/core.h"
#include "fake-transport.h"

#define TIMEOUT_US (2 * G_USEC_PER_SEC)

static struct fake_transport *F(struct dm_transport *t)
{
	return (struct fake_transport *)t;
}

static void record(struct fake_transport *f, const char *op, uint64_t a, uint64_t b, uint64_t c)
{
	struct fake_call call = { .a = a, .b = b, .c = c };

	g_strlcpy(call.op, op, sizeof(call.op));
	g_mutex_lock(&f->lock);
	g_array_append_val(f->calls, call);
	g_cond_broadcast(&f->cond);
	g_mutex_unlock(&f->lock);
}

static int f_create_vm(struct dm_transport *t, struct acrn_vm_creation *c)
{
	struct fake_transport *f = F(t);

	record(f, "create_vm", c->vcpu_num, c->cpu_affinity, c->vm_flag);
	if (f->fail_create)
		return -f->fail_create;
	c->vmid = 7;
	c->vcpu_num = f->vcpus;
	t->vmid = 7;
	t->ioreq_page = f->page;
	return 0;
}

static int f_destroy_vm(struct dm_transport *t)
{
	struct fake_transport *f = F(t);

	record(f, "destroy_vm", 0, 0, 0);
	g_mutex_lock(&f->lock);
	f->shutdown = true;
	g_cond_broadcast(&f->cond);
	g_mutex_unlock(&f->lock);
	return 0;
}

#define SIMPLE(name)                                \
	static int f_##name(struct dm_transport *t) \
	{                                           \
		record(F(t), #name, 0, 0, 0);       \
		return 0;                           \
	}
SIMPLE(start_vm)
SIMPLE(pause_vm)
SIMPLE(reset_vm)
SIMPLE(clear_vm_ioreq)

static int f_set_vcpu_regs(struct dm_transport *t, const struct acrn_vcpu_regs *regs)
{
	F(t)->regs = *regs;
	record(F(t), "set_vcpu_regs", regs->vcpu_regs.rip, regs->vcpu_regs.cs_sel, 0);
	return 0;
}

static void *f_alloc_ram(struct dm_transport *t, uint64_t size)
{
	/* Lazily backed: tests give VMs gigabytes they never touch. */
	void *p = mmap(NULL, size, PROT_READ | PROT_WRITE,
	               MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

	record(F(t), "alloc_ram", size, 0, 0);
	if (p == MAP_FAILED)
		return NULL;
	g_ptr_array_add(F(t)->ram, p);
	g_ptr_array_add(F(t)->ram, (void *)(uintptr_t)size);
	return p;
}

static int f_map_ram(struct dm_transport *t, uint64_t gpa, void *hva, uint64_t size, uint32_t prot)
{
	(void)hva;
	record(F(t), "map_ram", gpa, size, prot);
	return 0;
}

static int f_set_irqline(struct dm_transport *t, uint32_t gsi, uint32_t op)
{
	record(F(t), "set_irqline", gsi, op, 0);
	return 0;
}

static int f_inject_msi(struct dm_transport *t, uint64_t addr, uint64_t data)
{
	record(F(t), "inject_msi", addr, data, 0);
	return 0;
}

static int f_wait_requests(struct dm_transport *t)
{
	struct fake_transport *f = F(t);
	int ret = 0;

	g_mutex_lock(&f->lock);
	while (!f->kick && !f->shutdown && !f->triple_fault)
		g_cond_wait(&f->cond, &f->lock);
	if (f->shutdown)
		ret = -ESHUTDOWN;
	else if (f->triple_fault)
		ret = -EPIPE;
	f->kick = false;
	g_mutex_unlock(&f->lock);
	return ret;
}

static void f_wake_requests(struct dm_transport *t)
{
	struct fake_transport *f = F(t);

	g_mutex_lock(&f->lock);
	f->kick = true;
	g_cond_broadcast(&f->cond);
	g_mutex_unlock(&f->lock);
}

static int f_notify_request_finish(struct dm_transport *t, uint32_t vcpu)
{
	struct fake_transport *f = F(t);

	g_mutex_lock(&f->lock);
	if (vcpu < 16) {
		f->state_at_notify[vcpu] =
		        __atomic_load_n(&f->page->req_slot[vcpu].processed, __ATOMIC_ACQUIRE);
		f->notified |= 1U << vcpu;
	}
	g_mutex_unlock(&f->lock);
	record(f, "notify_request_finish", vcpu, 0, 0);
	return 0;
}

static int f_ioeventfd(struct dm_transport *t, const struct acrn_ioeventfd *e)
{
	record(F(t), "ioeventfd", e->addr, e->flags, e->fd);
	return F(t)->no_ioeventfd ? -EOPNOTSUPP : 0;
}

static int f_irqfd(struct dm_transport *t, const struct acrn_irqfd *i)
{
	record(F(t), "irqfd", (uint64_t)i->fd, 0, 0);
	return -EOPNOTSUPP;
}

static void f_close(struct dm_transport *t)
{
	struct fake_transport *f = F(t);

	/* The test owns the fake and frees it; close only releases guest RAM. */
	for (guint i = 0; i + 1 < f->ram->len; i += 2)
		munmap(g_ptr_array_index(f->ram, i),
		       (size_t)(uintptr_t)g_ptr_array_index(f->ram, i + 1));
	g_ptr_array_set_size(f->ram, 0);
	f->closed = true;
	record(f, "close", 0, 0, 0);
	if (f->refs)
		fake_transport_unref(f);
}

static const struct dm_transport_ops fake_ops = {
	.name = "fake",
	.create_vm = f_create_vm,
	.destroy_vm = f_destroy_vm,
	.start_vm = f_start_vm,
	.pause_vm = f_pause_vm,
	.reset_vm = f_reset_vm,
	.set_vcpu_regs = f_set_vcpu_regs,
	.alloc_ram = f_alloc_ram,
	.map_ram = f_map_ram,
	.set_irqline = f_set_irqline,
	.inject_msi = f_inject_msi,
	.wait_requests = f_wait_requests,
	.wake_requests = f_wake_requests,
	.notify_request_finish = f_notify_request_finish,
	.clear_vm_ioreq = f_clear_vm_ioreq,
	.ioeventfd = f_ioeventfd,
	.irqfd = f_irqfd,
	.close = f_close,
};

struct fake_transport *fake_transport_new(uint16_t vcpus)
{
	struct fake_transport *f = g_new0(struct fake_transport, 1);

	f->t.ops = &fake_ops;
	f->vcpus = vcpus;
	g_mutex_init(&f->lock);
	g_cond_init(&f->cond);
	f->calls = g_array_new(FALSE, TRUE, sizeof(struct fake_call));
	f->page = g_aligned_alloc0(1, sizeof(*f->page), 4096);
	for (unsigned i = 0; i < ACRN_IO_REQUEST_MAX; i++)
		f->page->req_slot[i].processed = ACRN_IOREQ_STATE_FREE;
	f->ram = g_ptr_array_new();
	return f;
}

unsigned fake_count(struct fake_transport *f, const char *op)
{
	unsigned n = 0;

	g_mutex_lock(&f->lock);
	for (guint i = 0; i < f->calls->len; i++)
		n += !strcmp(g_array_index(f->calls, struct fake_call, i).op, op);
	g_mutex_unlock(&f->lock);
	return n;
}

const struct fake_call *fake_nth(struct fake_transport *f, const char *op, unsigned nth)
{
	const struct fake_call *r = NULL;

	g_mutex_lock(&f->lock);
	for (guint i = 0; i < f->calls->len && !r; i++) {
		const struct fake_call *c = &g_array_index(f->calls, struct fake_call, i);

		if (!strcmp(c->op, op) && nth-- == 0)
			r = c;
	}
	g_mutex_unlock(&f->lock);
	return r;
}

int fake_index(struct fake_transport *f, const char *op)
{
	int r = -1;

	g_mutex_lock(&f->lock);
	for (guint i = 0; i < f->calls->len && r < 0; i++)
		if (!strcmp(g_array_index(f->calls, struct fake_call, i).op, op))
			r = (int)i;
	g_mutex_unlock(&f->lock);
	return r;
}

void fake_clear_calls(struct fake_transport *f)
{
	g_mutex_lock(&f->lock);
	g_array_set_size(f->calls, 0);
	g_mutex_unlock(&f->lock);
}

bool fake_hv_request(struct fake_transport *f, unsigned vcpu, struct acrn_io_request *req)
{
	struct acrn_io_request *slot = &f->page->req_slot[vcpu];
	gint64 deadline = g_get_monotonic_time() + TIMEOUT_US;
	bool ok = true;

	g_mutex_lock(&f->lock);
	f->notified &= ~(1U << vcpu);
	g_mutex_unlock(&f->lock);

	/* Hypervisor: fill the slot, PENDING last; HSM: hand it to the client. */
	memcpy(slot, req, offsetof(struct acrn_io_request, processed));
	__atomic_store_n(&slot->processed, ACRN_IOREQ_STATE_PENDING, __ATOMIC_RELEASE);
	__atomic_store_n(&slot->processed, ACRN_IOREQ_STATE_PROCESSING, __ATOMIC_RELEASE);

	g_mutex_lock(&f->lock);
	f->kick = true;
	g_cond_broadcast(&f->cond);
	while (!(f->notified & (1U << vcpu)))
		if (!g_cond_wait_until(&f->cond, &f->lock, deadline)) {
			ok = false;
			break;
		}
	g_mutex_unlock(&f->lock);
	memcpy(req, slot, sizeof(*req));
	if (ok) /* the hypervisor finishes the access and frees the slot */
		__atomic_store_n(&slot->processed, ACRN_IOREQ_STATE_FREE, __ATOMIC_RELEASE);
	return ok;
}

void fake_hv_post(struct fake_transport *f, unsigned vcpu, const struct acrn_io_request *req)
{
	struct acrn_io_request *slot = &f->page->req_slot[vcpu];

	memcpy(slot, req, offsetof(struct acrn_io_request, processed));
	__atomic_store_n(&slot->processed, ACRN_IOREQ_STATE_PROCESSING, __ATOMIC_RELEASE);
	g_mutex_lock(&f->lock);
	f->kick = true;
	g_cond_broadcast(&f->cond);
	g_mutex_unlock(&f->lock);
}

void fake_record(struct fake_transport *f, const char *op)
{
	record(f, op, 0, 0, 0);
}

bool fake_wait_calls(struct fake_transport *f, const char *op, unsigned n)
{
	gint64 deadline = g_get_monotonic_time() + TIMEOUT_US;

	while (fake_count(f, op) < n) {
		if (g_get_monotonic_time() > deadline)
			return false;
		g_usleep(1000);
	}
	return true;
}

struct fake_transport *fake_vm_new(struct dm_vm *vm, uint16_t vcpus, uint64_t mem)
{
	struct fake_transport *f = fake_transport_new(vcpus);
	GError *err = NULL;

	g_assert_cmpint(dm_vm_create(vm, &f->t, "testvm", vcpus, 0, &err), ==, 0);
	g_assert_no_error(err);
	if (mem) {
		g_assert_cmpint(dm_mem_setup(vm, mem, &err), ==, 0);
		g_assert_no_error(err);
	}
	return f;
}

void fake_vm_free(struct dm_vm *vm, struct fake_transport *f)
{
	dm_vm_destroy(vm);
	g_assert_true(f->closed);
	fake_transport_free(f);
}

void fake_transport_unref(struct fake_transport *f)
{
	if (g_atomic_int_dec_and_test(&f->refs))
		fake_transport_free(f);
}

void fake_transport_free(struct fake_transport *f)
{
	g_array_free(f->calls, TRUE);
	g_ptr_array_free(f->ram, TRUE);
	g_aligned_free(f->page);
	g_mutex_clear(&f->lock);
	g_cond_clear(&f->cond);
	g_free(f);
}
