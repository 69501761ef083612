/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The kernel transport's marshalling: every operation's ioctl number
 * (against mainline <linux/acrn.h>) and every byte of its argument, with
 * ioctl(2) replaced by a recorder.
 */
#include <errno.h>
#include <gio/gio.h>
#include <linux/ioctl.h>
#include <poll.h>
#include <string.h>

#include <acrn/hsm.h>
#include <acrn/memory.h>
#include <dm/transport.h>

#include "../../../dm/core/transport_kernel.h"
#include "uapi-numbers.h"

struct call {
	unsigned long request;
	unsigned long arg;
	uint8_t bytes[512];
	size_t len;
};

static struct call calls[64];
static unsigned ncalls;
static int next_ret;      /* what the next ioctl returns */
static int attach_blocks; /* ATTACH sleeps until a signal */
static volatile int in_attach;

static int recorder(int fd, unsigned long request, unsigned long arg)
{
	struct call *c = &calls[ncalls++ % G_N_ELEMENTS(calls)];
	int ret = next_ret;

	(void)fd;
	c->request = request;
	c->arg = arg;
	c->len = _IOC_SIZE(request);
	/* SET_IRQLINE's argument is the value itself, not a pointer to it. */
	if (c->len && request != uapi_ioctls[U_SET_IRQLINE].request) {
		g_assert_cmpuint(c->len, <=, sizeof(c->bytes));
		memcpy(c->bytes, (void *)arg, c->len);
	}
	if (request == uapi_ioctls[U_CREATE_VM].request && !ret) {
		struct acrn_vm_creation *vc = (void *)arg;

		vc->vmid = 3;
		vc->vcpu_num = 2;
	}
	if (request == uapi_ioctls[U_ATTACH_IOREQ_CLIENT].request && attach_blocks) {
		in_attach = 1;
		if (poll(NULL, 0, 5000) < 0 && errno == EINTR)
			ret = -EINTR;
		in_attach = 0;
	}
	next_ret = 0;
	return ret;
}

static struct call *last(void)
{
	g_assert_cmpuint(ncalls, >, 0);
	return &calls[(ncalls - 1) % G_N_ELEMENTS(calls)];
}

static void assert_request(const struct call *c, enum uapi_id id)
{
	if (c->request != uapi_ioctls[id].request)
		g_error("expected ACRN_IOCTL_%s 0x%lx, got 0x%lx", uapi_ioctls[id].name,
		        uapi_ioctls[id].request, c->request);
}

static struct dm_transport *open_created(void)
{
	GError *err = NULL;
	struct dm_transport *t = dm_transport_kernel_open("/dev/null", &err);
	struct acrn_vm_creation c = { 0 };

	g_assert_no_error(err);
	g_assert_nonnull(t);
	memcpy(c.name, "vm1", 3);
	g_assert_cmpint(t->ops->create_vm(t, &c), ==, 0);
	ncalls = 0;
	return t;
}

static void test_numbers(void)
{
	/* Our request numbers, built from api/include/acrn/hsm.h, are mainline's. */
	static const unsigned long ours[U_COUNT] = {
		[U_CREATE_VM] = DM_HSM_IOCTL_CREATE_VM,
		[U_DESTROY_VM] = DM_HSM_IOCTL_DESTROY_VM,
		[U_START_VM] = DM_HSM_IOCTL_START_VM,
		[U_PAUSE_VM] = DM_HSM_IOCTL_PAUSE_VM,
		[U_RESET_VM] = DM_HSM_IOCTL_RESET_VM,
		[U_SET_VCPU_REGS] = DM_HSM_IOCTL_SET_VCPU_REGS,
		[U_INJECT_MSI] = DM_HSM_IOCTL_INJECT_MSI,
		[U_SET_IRQLINE] = DM_HSM_IOCTL_SET_IRQLINE,
		[U_NOTIFY_REQUEST_FINISH] = DM_HSM_IOCTL_NOTIFY_REQUEST_FINISH,
		[U_CREATE_IOREQ_CLIENT] = DM_HSM_IOCTL_CREATE_IOREQ_CLIENT,
		[U_ATTACH_IOREQ_CLIENT] = DM_HSM_IOCTL_ATTACH_IOREQ_CLIENT,
		[U_DESTROY_IOREQ_CLIENT] = DM_HSM_IOCTL_DESTROY_IOREQ_CLIENT,
		[U_CLEAR_VM_IOREQ] = DM_HSM_IOCTL_CLEAR_VM_IOREQ,
		[U_SET_MEMSEG] = DM_HSM_IOCTL_SET_MEMSEG,
		[U_IOEVENTFD] = DM_HSM_IOCTL_IOEVENTFD,
		[U_IRQFD] = DM_HSM_IOCTL_IRQFD,
	};

	for (int i = 0; i < U_COUNT; i++) {
		g_test_message("%s", uapi_ioctls[i].name);
		g_assert_cmphex(ours[i], ==, uapi_ioctls[i].request);
	}
}

static void test_open_fails(void)
{
	GError *err = NULL;

	g_assert_null(dm_transport_kernel_open("/nonexistent/acrn_hsm", &err));
	g_assert_nonnull(strstr(err->message, "/nonexistent/acrn_hsm"));
	g_assert_nonnull(strstr(err->message, "No such file"));
	g_error_free(err);
}

static void test_create(void)
{
	GError *err = NULL;
	struct dm_transport *t = dm_transport_kernel_open("/dev/null", &err);
	struct acrn_vm_creation c = { 0 }, sent;

	ncalls = 0;
	memcpy(c.name, "vm1", 3);
	c.vcpu_num = 2;
	c.cpu_affinity = 0xC;
	c.vm_flag = 0;
	g_assert_cmpint(t->ops->create_vm(t, &c), ==, 0);
	g_assert_cmpuint(ncalls, ==, 1);
	assert_request(last(), U_CREATE_VM);
	g_assert_cmpuint(last()->len, ==, sizeof(sent));
	memcpy(&sent, last()->bytes, sizeof(sent));
	g_assert_cmpmem(sent.name, 16, "vm1\0\0\0\0\0\0\0\0\0\0\0\0\0", 16);
	g_assert_cmpuint(sent.vcpu_num, ==, 2);
	g_assert_cmpuint(sent.cpu_affinity, ==, 0xC);
	g_assert_cmpuint(sent.vm_flag, ==, 0);
	g_assert_cmpuint(sent.reserved0, ==, 0);
	g_assert_cmpuint(sent.reserved1, ==, 0);
	/* The ioreq page is a page-aligned user page the HSM pins. */
	g_assert_nonnull(t->ioreq_page);
	g_assert_cmpuint(sent.ioreq_buf, ==, (uint64_t)(uintptr_t)t->ioreq_page);
	g_assert_cmpuint(sent.ioreq_buf % 4096, ==, 0);
	memset(t->ioreq_page, 0xA5, 4096); /* writable, whole */
	/* What the HSM returns is kept. */
	g_assert_cmpuint(c.vmid, ==, 3);
	g_assert_cmpuint(t->vmid, ==, 3);
	g_assert_cmpuint(c.vcpu_num, ==, 2);

	/* Closing destroys the VM (no ioreq client was made). */
	ncalls = 0;
	t->ops->close(t);
	g_assert_cmpuint(ncalls, ==, 1);
	assert_request(last(), U_DESTROY_VM);

	/* A refused create is reported and leaves no page behind. */
	t = dm_transport_kernel_open("/dev/null", &err);
	next_ret = -EEXIST;
	g_assert_cmpint(t->ops->create_vm(t, &c), ==, -EEXIST);
	g_assert_null(t->ioreq_page);
	ncalls = 0;
	t->ops->close(t);
	g_assert_cmpuint(ncalls, ==, 0);
}

static void test_lifecycle(void)
{
	struct dm_transport *t = open_created();

	/* The default ioreq client exists before the VM first runs. */
	g_assert_cmpint(t->ops->start_vm(t), ==, 0);
	g_assert_cmpuint(ncalls, ==, 2);
	assert_request(&calls[0], U_CREATE_IOREQ_CLIENT);
	assert_request(&calls[1], U_START_VM);
	g_assert_cmpuint(calls[1].arg, ==, 0);
	g_assert_cmpint(t->ops->pause_vm(t), ==, 0);
	assert_request(last(), U_PAUSE_VM);
	g_assert_cmpint(t->ops->reset_vm(t), ==, 0);
	assert_request(last(), U_RESET_VM);
	g_assert_cmpint(t->ops->clear_vm_ioreq(t), ==, 0);
	assert_request(last(), U_CLEAR_VM_IOREQ);
	g_assert_cmpint(t->ops->start_vm(t), ==, 0);
	assert_request(last(), U_START_VM);
	g_assert_cmpuint(ncalls, ==, 6); /* the client is created once */
	/* Errors come back as negative errno values. */
	next_ret = -EBUSY;
	g_assert_cmpint(t->ops->pause_vm(t), ==, -EBUSY);
	ncalls = 0;
	t->ops->close(t);
	g_assert_cmpuint(ncalls, ==, 2);
	assert_request(&calls[0], U_DESTROY_IOREQ_CLIENT);
	assert_request(&calls[1], U_DESTROY_VM);
}

static void test_regs(void)
{
	struct dm_transport *t = open_created();
	struct acrn_vcpu_regs r;

	memset(&r, 0, sizeof(r));
	r.vcpu_id = 1;
	r.vcpu_regs.rip = 0x1000000;
	r.vcpu_regs.cr0 = 0x31;
	r.vcpu_regs.cs_sel = 0x10;
	r.vcpu_regs.gprs.rsi = 0x7000;
	r.vcpu_regs.gdt.base = 0x6000;
	r.vcpu_regs.gdt.limit = 31;
	g_assert_cmpint(t->ops->set_vcpu_regs(t, &r), ==, 0);
	assert_request(last(), U_SET_VCPU_REGS);
	g_assert_cmpuint(last()->len, ==, 296);
	g_assert_cmpmem(last()->bytes, 296, &r, sizeof(r));
	t->ops->close(t);
}

static void test_memory(void)
{
	struct dm_transport *t = open_created();
	struct acrn_vm_memmap m;
	uint8_t *p;

	g_assert_null(t->ops->alloc_ram(t, 3 << 20)); /* not a 2 MiB multiple */
	p = t->ops->alloc_ram(t, 4 << 20);
	g_assert_nonnull(p);
	g_assert_cmpuint(p[0], ==, 0);
	g_assert_cmpuint(p[(4 << 20) - 1], ==, 0);
	p[12345] = 7; /* usable */
	g_assert_cmpint(t->ops->map_ram(t, 0x100000000ULL, p, 4 << 20, ACRN_MEM_ACCESS_RWX), ==, 0);
	assert_request(last(), U_SET_MEMSEG);
	g_assert_cmpuint(last()->len, ==, 32);
	memcpy(&m, last()->bytes, sizeof(m));
	g_assert_cmpuint(m.type, ==, ACRN_MEMMAP_RAM);
	g_assert_cmpuint(m.attr, ==, ACRN_MEM_ACCESS_RWX);
	g_assert_cmpuint(m.user_vm_pa, ==, 0x100000000ULL);
	g_assert_cmpuint(m.vma_base, ==, (uint64_t)(uintptr_t)p);
	g_assert_cmpuint(m.len, ==, 4 << 20);
	t->ops->close(t); /* unmaps */
}

static void test_interrupts(void)
{
	struct dm_transport *t = open_created();
	struct acrn_msi_entry msi;

	g_assert_cmpint(t->ops->set_irqline(t, 9, 2), ==, 0);
	assert_request(last(), U_SET_IRQLINE);
	/* By value: gsi in bits 31:0, op in 63:32, as HC_SET_IRQLINE reads it. */
	g_assert_cmphex(last()->arg, ==, 0x0000000200000009ULL);
	g_assert_cmpint(t->ops->inject_msi(t, 0xFEE00000ULL | (3 << 12), 0x41), ==, 0);
	assert_request(last(), U_INJECT_MSI);
	memcpy(&msi, last()->bytes, sizeof(msi));
	g_assert_cmphex(msi.msi_addr, ==, 0xFEE03000ULL);
	g_assert_cmphex(msi.msi_data, ==, 0x41);
	t->ops->close(t);
}

static void test_ioreq_ops(void)
{
	struct dm_transport *t = open_created();
	struct acrn_ioreq_notify n;
	struct acrn_ioeventfd e = { .fd = 9,
		                    .flags = ACRN_IOEVENTFD_FLAG_DATAMATCH,
		                    .addr = 0xD0001000,
		                    .len = 2,
		                    .data = 1 };
	struct acrn_irqfd f = { .fd = 11, .msi = { 0xFEE00000, 0x30 } };

	g_assert_cmpint(t->ops->notify_request_finish(t, 5), ==, 0);
	assert_request(last(), U_NOTIFY_REQUEST_FINISH);
	memcpy(&n, last()->bytes, sizeof(n));
	g_assert_cmpuint(n.vmid, ==, 3);
	g_assert_cmpuint(n.reserved, ==, 0);
	g_assert_cmpuint(n.vcpu, ==, 5);
	g_assert_cmpint(t->ops->ioeventfd(t, &e), ==, 0);
	assert_request(last(), U_IOEVENTFD);
	g_assert_cmpmem(last()->bytes, 32, &e, sizeof(e));
	g_assert_cmpint(t->ops->irqfd(t, &f), ==, 0);
	assert_request(last(), U_IRQFD);
	g_assert_cmpmem(last()->bytes, 24, &f, sizeof(f));

	/* wait_requests: the client is created once, then ATTACH each time. */
	ncalls = 0;
	g_assert_cmpint(t->ops->wait_requests(t), ==, 0);
	g_assert_cmpint(t->ops->wait_requests(t), ==, 0);
	g_assert_cmpuint(ncalls, ==, 3);
	assert_request(&calls[0], U_CREATE_IOREQ_CLIENT);
	assert_request(&calls[1], U_ATTACH_IOREQ_CLIENT);
	assert_request(&calls[2], U_ATTACH_IOREQ_CLIENT);
	/* The HSM says the client is gone (VM destroyed): the loop must end. */
	next_ret = -ENODEV;
	g_assert_cmpint(t->ops->wait_requests(t), ==, -ESHUTDOWN);
	t->ops->close(t);
}

/* The board transport's double: remembers what it was asked for. */
static char *board_socket;
static int board_opens;

struct dm_transport *dm_transport_board_open(const char *socket_path, GError **error)
{
	board_opens++;
	g_free(board_socket);
	board_socket = g_strdup(socket_path);
	g_set_error(error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, "no bridge (test double)");
	return NULL;
}

static void test_open_by_name(void)
{
	GError *err = NULL;

	g_assert_null(dm_transport_open("vmm", &err));
	g_assert_nonnull(strstr(err->message, "unknown transport \"vmm\" (kernel or board)"));
	g_clear_error(&err);

	/* By name: board gets $ACRN_BRIDGE (NULL: its default socket). */
	g_setenv("ACRN_BRIDGE", "/tmp/bridge.sock", TRUE);
	g_assert_null(dm_transport_open("board", &err));
	g_assert_cmpint(board_opens, ==, 1);
	g_assert_cmpstr(board_socket, ==, "/tmp/bridge.sock");
	g_clear_error(&err);
	g_unsetenv("ACRN_BRIDGE");

	/* Auto: the kernel HSM when /dev/acrn_hsm exists, else the board. */
	g_assert_null(dm_transport_open(NULL, &err));
	g_assert_nonnull(err);
	if (g_file_test("/dev/acrn_hsm", G_FILE_TEST_EXISTS)) {
		g_assert_cmpint(board_opens, ==, 1);
	} else {
		g_assert_cmpint(board_opens, ==, 2);
		g_assert_null(board_socket);
	}
	g_clear_error(&err);
	if (!g_file_test("/dev/acrn_hsm", G_FILE_TEST_EXISTS)) {
		g_assert_null(dm_transport_open("kernel", &err));
		g_assert_nonnull(strstr(err->message, "/dev/acrn_hsm"));
		g_clear_error(&err);
	}
	g_free(board_socket);
}

static gpointer waiter(gpointer data)
{
	struct dm_transport *t = data;

	return GINT_TO_POINTER(t->ops->wait_requests(t) + 1000);
}

static void test_wake(void)
{
	struct dm_transport *t = open_created();
	gint64 start;
	GThread *th;

	/* A wake before the wait: the wait returns at once, no ATTACH. */
	t->ops->wake_requests(t);
	ncalls = 0;
	g_assert_cmpint(t->ops->wait_requests(t), ==, 0);
	g_assert_cmpuint(ncalls, ==, 1); /* only CREATE_IOREQ_CLIENT */
	assert_request(&calls[0], U_CREATE_IOREQ_CLIENT);

	/* A wake during the blocked ATTACH interrupts it. */
	attach_blocks = 1;
	th = g_thread_new("waiter", waiter, t);
	while (!in_attach)
		g_usleep(1000);
	start = g_get_monotonic_time();
	t->ops->wake_requests(t);
	g_assert_cmpint(GPOINTER_TO_INT(g_thread_join(th)), ==, 1000);
	g_assert_cmpint(g_get_monotonic_time() - start, <, G_USEC_PER_SEC);
	attach_blocks = 0;
	t->ops->close(t);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	dm_hsm_ioctl = recorder;
	g_test_add_func("/dm-core/transport-kernel/numbers", test_numbers);
	g_test_add_func("/dm-core/transport-kernel/open-by-name", test_open_by_name);
	g_test_add_func("/dm-core/transport-kernel/open-fails", test_open_fails);
	g_test_add_func("/dm-core/transport-kernel/create", test_create);
	g_test_add_func("/dm-core/transport-kernel/lifecycle", test_lifecycle);
	g_test_add_func("/dm-core/transport-kernel/regs", test_regs);
	g_test_add_func("/dm-core/transport-kernel/memory", test_memory);
	g_test_add_func("/dm-core/transport-kernel/interrupts", test_interrupts);
	g_test_add_func("/dm-core/transport-kernel/ioreq", test_ioreq_ops);
	g_test_add_func("/dm-core/transport-kernel/wake", test_wake);
	return g_test_run();
}
