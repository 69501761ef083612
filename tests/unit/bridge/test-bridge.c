/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The board bridge's host side: the allocator and the protocol codec with
 * hostile input, and acrn-bridged's multiplexer with acrn-dm's board
 * transport against a fake hypervisor (fake-hv.c) over a real RAM file and
 * COM2-like socket.
 */
#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <acrn/hsm.h>
#include <acrn/hypercall.h>
#include <acrn/memory.h>
#include <dm/transport.h>

#include "alloc.h"
#include "board.h"
#include "fake-hv.h"
#include "mux.h"
#include "proto.h"

#define MiB(x) ((uint64_t)(x) << 20)

/* ---- allocator ---- */

static void test_alloc(void)
{
	struct bridge_alloc a;
	uint64_t gpa, g1, g2, g3, pages[600];
	unsigned n = 0;

	g_assert_cmpint(bridge_alloc_init(&a, MiB(3)), ==, -EINVAL);
	g_assert_cmpint(bridge_alloc_init(&a, MiB(2)), ==, -EINVAL);
	g_assert_cmpint(bridge_alloc_init(&a, 0), ==, -EINVAL);
	g_assert_cmpint(bridge_alloc_init(&a, MiB(8)), ==, 0);
	g_assert_cmpuint(bridge_alloc_free_bytes(&a), ==, MiB(6));

	/* Granules: bad sizes, then exhaustion, then fragmentation. */
	g_assert_cmpint(bridge_alloc_ram(&a, 0, &gpa), ==, -EINVAL);
	g_assert_cmpint(bridge_alloc_ram(&a, 4096, &gpa), ==, -EINVAL);
	g_assert_cmpint(bridge_alloc_ram(&a, MiB(3), &gpa), ==, -EINVAL);
	g_assert_cmpint(bridge_alloc_ram(&a, MiB(8), &gpa), ==, -ENOMEM);
	g_assert_cmpint(bridge_alloc_ram(&a, UINT64_MAX - MiB(2) + 1, &gpa), ==, -ENOMEM);
	g_assert_cmpint(bridge_alloc_ram(&a, MiB(2), &g1), ==, 0);
	g_assert_cmpint(bridge_alloc_ram(&a, MiB(2), &g2), ==, 0);
	g_assert_cmpint(bridge_alloc_ram(&a, MiB(2), &g3), ==, 0);
	g_assert_cmpuint(g1, ==, MiB(2)); /* never the header's granule */
	g_assert_cmpuint(g2, ==, MiB(4));
	g_assert_cmpuint(g3, ==, MiB(6));
	g_assert_cmpint(bridge_alloc_ram(&a, MiB(2), &gpa), ==, -ENOMEM);
	g_assert_cmpint(bridge_free_ram(&a, g2, MiB(2)), ==, 0);
	g_assert_cmpint(bridge_free_ram(&a, g2, MiB(2)), ==, -EINVAL); /* double free */
	g_assert_cmpint(bridge_free_ram(&a, 0, MiB(2)), ==, -EINVAL);  /* the header */
	g_assert_cmpint(bridge_free_ram(&a, g1 + 4096, MiB(2)), ==, -EINVAL);
	g_assert_cmpint(bridge_free_ram(&a, g3, MiB(4)), ==, -EINVAL); /* past the end */
	g_assert_cmpint(bridge_free_ram(&a, UINT64_MAX & ~(MiB(2) - 1), MiB(2)), ==, -EINVAL);
	g_assert_cmpint(bridge_free_ram(&a, g1, UINT64_MAX & ~(MiB(2) - 1)), ==, -EINVAL);
	g_assert_cmpint(bridge_free_ram(&a, g3, MiB(2)), ==, 0);
	g_assert_cmpint(bridge_alloc_ram(&a, MiB(4), &gpa), ==, 0);
	g_assert_cmpuint(gpa, ==, MiB(4));
	g_assert_cmpuint(bridge_alloc_free_bytes(&a), ==, 0);

	/* Pages: never the header or argument pages; exhaustion; bad frees. */
	while (n < G_N_ELEMENTS(pages) && bridge_alloc_page(&a, &pages[n]) == 0) {
		g_assert_cmpuint(pages[n], >=, ACRN_BRIDGE_ARG_GPA(ACRN_BRIDGE_NR_SLOTS));
		g_assert_cmpuint(pages[n], <, MiB(2));
		n++;
	}
	g_assert_cmpuint(n, ==, 512 - ACRN_BRIDGE_FIRST_FREE_PG);
	g_assert_cmpint(bridge_free_page(&a, 0), ==, -EINVAL);
	g_assert_cmpint(bridge_free_page(&a, ACRN_BRIDGE_ARG_GPA(0)), ==, -EINVAL);
	g_assert_cmpint(bridge_free_page(&a, pages[0] + 1), ==, -EINVAL);
	g_assert_cmpint(bridge_free_page(&a, MiB(2)), ==, -EINVAL);
	g_assert_cmpint(bridge_free_page(&a, pages[5]), ==, 0);
	g_assert_cmpint(bridge_free_page(&a, pages[5]), ==, -EINVAL);
	g_assert_cmpint(bridge_alloc_page(&a, &gpa), ==, 0);
	g_assert_cmpuint(gpa, ==, pages[5]);
	bridge_alloc_fini(&a);
	g_assert_cmpint(bridge_alloc_page(&a, &gpa), ==, -ENOMEM); /* after fini: nothing */
}

/* ---- codec ---- */

static void test_proto_check(void)
{
	struct acrn_bridge_msg m = { .op = ACRN_HSM_START_VM };

	g_assert_cmpint(bridge_proto_check(&m, -1), ==, 0);
	m.len = 1;
	g_assert_cmpint(bridge_proto_check(&m, -1), ==, -EINVAL);
	m = (struct acrn_bridge_msg){ .op = ACRN_HSM_START_VM, .flags = 1 };
	g_assert_cmpint(bridge_proto_check(&m, -1), ==, -EINVAL);
	m = (struct acrn_bridge_msg){ .op = 0x99 };
	g_assert_cmpint(bridge_proto_check(&m, -1), ==, -ENOTTY);
	m = (struct acrn_bridge_msg){ .op = 0xFFFF };
	g_assert_cmpint(bridge_proto_check(&m, -1), ==, -ENOTTY);
	m = (struct acrn_bridge_msg){ .op = ACRN_HSM_CREATE_VM, .len = 48 };
	g_assert_cmpint(bridge_proto_check(&m, -1), ==, -EBADF);
	g_assert_cmpint(bridge_proto_check(&m, 5), ==, 0);
	m.len = 47;
	g_assert_cmpint(bridge_proto_check(&m, 5), ==, -EINVAL);
	m = (struct acrn_bridge_msg){ .op = ACRN_HSM_SET_MEMSEG, .len = 32 };
	g_assert_cmpint(bridge_proto_check(&m, -1), ==, 0);
	m = (struct acrn_bridge_msg){ .op = ACRN_HSM_IRQFD, .len = 24 };
	g_assert_cmpint(bridge_proto_check(&m, -1), ==, -EBADF);
	/* The kernel-only ioreq client ioctls have no meaning on the bridge. */
	m = (struct acrn_bridge_msg){ .op = ACRN_HSM_ATTACH_IOREQ_CLIENT };
	g_assert_cmpint(bridge_proto_check(&m, -1), ==, -ENOTTY);
}

static void test_proto_recv_hostile(void)
{
	struct acrn_bridge_msg m = { .op = ACRN_BRIDGE_OP_ALLOC_RAM, .len = 8, .seq = 7 };
	uint8_t buf[64];
	uint64_t size = MiB(2);
	int sv[2], fd, efd = eventfd(0, 0);

	/* A whole message with a descriptor. */
	g_assert_cmpint(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), ==, 0);
	g_assert_cmpint(bridge_msg_send(sv[0], &m, &size, efd), ==, 0);
	memset(&m, 0, sizeof(m));
	g_assert_cmpint(bridge_msg_recv(sv[1], &m, buf, sizeof(buf), &fd), ==, 0);
	g_assert_cmpuint(m.op, ==, ACRN_BRIDGE_OP_ALLOC_RAM);
	g_assert_cmpuint(m.seq, ==, 7);
	g_assert_cmpint(memcmp(buf, &size, 8), ==, 0);
	g_assert_cmpint(fd, >=, 0);
	close(fd);

	/* A payload larger than the receiver takes: refused, descriptor not leaked. */
	m = (struct acrn_bridge_msg){ .op = ACRN_HSM_SET_VCPU_REGS, .len = 296 };
	{
		uint8_t big[296] = { 0 };

		g_assert_cmpint(bridge_msg_send(sv[0], &m, big, efd), ==, 0);
	}
	g_assert_cmpint(bridge_msg_recv(sv[1], &m, buf, sizeof(buf), &fd), ==, -EMSGSIZE);
	g_assert_cmpint(fd, ==, -1);
	close(sv[0]);
	close(sv[1]);

	/* Short messages: half a header, then a header promising more than comes. */
	g_assert_cmpint(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), ==, 0);
	g_assert_cmpint(send(sv[0], &m, 5, 0), ==, 5);
	close(sv[0]);
	g_assert_cmpint(bridge_msg_recv(sv[1], &m, buf, sizeof(buf), &fd), ==, -ECONNRESET);
	close(sv[1]);
	g_assert_cmpint(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), ==, 0);
	m = (struct acrn_bridge_msg){ .op = ACRN_BRIDGE_OP_ALLOC_RAM, .len = 8 };
	g_assert_cmpint(send(sv[0], &m, sizeof(m), 0), ==, sizeof(m));
	g_assert_cmpint(send(sv[0], &size, 3, 0), ==, 3);
	close(sv[0]);
	g_assert_cmpint(bridge_msg_recv(sv[1], &m, buf, sizeof(buf), &fd), ==, -ECONNRESET);
	close(sv[1]);

	/* Oversized sends are refused before anything goes out. */
	m = (struct acrn_bridge_msg){ .op = 1, .len = ACRN_BRIDGE_MSG_MAX + 1 };
	g_assert_cmpint(bridge_msg_send(0, &m, buf, -1), ==, -EINVAL);
	m.len = 4;
	g_assert_cmpint(bridge_msg_send(0, &m, NULL, -1), ==, -EINVAL);
	close(efd);
}

/* ---- the multiplexer against the fake hypervisor ---- */

static struct fake_hv fake;
static struct bridge_board board;
static struct bridge_mux mux;
static char *mux_path;

static gpointer accept_thread(gpointer data)
{
	int lfd = GPOINTER_TO_INT(data);

	for (;;) {
		int c = accept(lfd, NULL, NULL);

		if (c < 0)
			return NULL;
		bridge_mux_spawn(&mux, c);
	}
}

static void setup_mux(void)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	GError *error = NULL;
	int lfd;

	fake_hv_start(&fake);
	g_assert_cmpint(bridge_board_open(&board, fake.ram_path, fake.com2_path, &error), ==, 0);
	g_assert_no_error(error);
	board.timeout_ms = 2000;
	bridge_mux_init(&mux, &board);
	bridge_board_start(&board);
	g_assert_cmpint(bridge_board_wait_up(&board, 5000), ==, 0);
	mux_path = g_build_filename(fake.dir, "bridge.sock", NULL);
	strcpy(sa.sun_path, mux_path);
	lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	g_assert_cmpint(bind(lfd, (struct sockaddr *)&sa, sizeof(sa)), ==, 0);
	g_assert_cmpint(listen(lfd, 8), ==, 0);
	g_thread_unref(g_thread_new("accept", accept_thread, GINT_TO_POINTER(lfd)));
}

static int raw_connect(void)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	strcpy(sa.sun_path, mux_path);
	g_assert_cmpint(connect(s, (struct sockaddr *)&sa, sizeof(sa)), ==, 0);
	return s;
}

static int raw_request(int s, uint16_t op, const void *in, uint32_t len, int fd, void *out,
                       size_t max)
{
	struct acrn_bridge_msg m = { .op = op, .len = len, .seq = 42 };
	int rfd;

	g_assert_cmpint(bridge_msg_send(s, &m, in, fd), ==, 0);
	g_assert_cmpint(bridge_msg_recv(s, &m, out, max, &rfd), ==, 0);
	g_assert_cmpuint(m.op, ==, op);
	g_assert_cmpuint(m.seq, ==, 42);
	if (rfd >= 0)
		close(rfd);
	return m.result;
}

static uint64_t ram_free(void)
{
	struct acrn_bridge_hello h;
	uint32_t v = ACRN_BRIDGE_VERSION;
	int s = raw_connect();

	g_assert_cmpint(raw_request(s, ACRN_BRIDGE_OP_HELLO, &v, 4, -1, &h, sizeof(h)), ==, 0);
	close(s);
	g_assert_cmpuint(h.version, ==, ACRN_BRIDGE_VERSION);
	g_assert_cmpuint(h.board_up, ==, 1);
	g_assert_cmpuint(h.ram_size, ==, FAKE_SVM_SIZE);
	return h.ram_free;
}

static void test_mux_raw(void)
{
	struct hc_api_version v = { 0 };
	struct acrn_vm_creation c = { 0 };
	uint8_t junk[64] = { 0 };
	int s = raw_connect();

	g_assert_cmpint(raw_request(s, ACRN_BRIDGE_OP_API_VERSION, NULL, 0, -1, &v, sizeof(v)), ==,
	                0);
	g_assert_cmpuint(v.major_version, ==, 1);
	g_assert_cmpuint(v.minor_version, ==, 0);
	g_assert_cmpint(raw_request(s, ACRN_BRIDGE_OP_NOP, NULL, 0, -1, NULL, 0), ==, 0);
	/* Hostile requests get errors and the connection keeps working. */
	g_assert_cmpint(raw_request(s, 0x77, NULL, 0, -1, NULL, 0), ==, -ENOTTY);
	g_assert_cmpint(raw_request(s, ACRN_HSM_START_VM, junk, 8, -1, NULL, 0), ==, -EINVAL);
	g_assert_cmpint(raw_request(s, ACRN_HSM_CREATE_VM, &c, sizeof(c), -1, NULL, 0), ==, -EBADF);
	g_assert_cmpint(raw_request(s, ACRN_HSM_START_VM, NULL, 0, -1, NULL, 0), ==, -ENODEV);
	g_assert_cmpint(raw_request(s, ACRN_BRIDGE_OP_ALLOC_RAM, junk, 8, -1, NULL, 0), ==,
	                -EINVAL);
	{
		uint64_t huge = MiB(1024);

		g_assert_cmpint(
		        raw_request(s, ACRN_BRIDGE_OP_ALLOC_RAM, &huge, 8, -1, junk, sizeof(junk)),
		        ==, -ENOMEM);
	}
	g_assert_cmpint(raw_request(s, ACRN_BRIDGE_OP_API_VERSION, NULL, 0, -1, &v, sizeof(v)), ==,
	                0);
	/* A header promising a payload beyond the maximum: the multiplexer drops us. */
	{
		struct acrn_bridge_msg m = { .op = ACRN_HSM_SET_VCPU_REGS, .len = 1U << 30 };
		char b;

		g_assert_cmpint(send(s, &m, sizeof(m), 0), ==, sizeof(m));
		g_assert_cmpint(recv(s, &b, 1, 0), ==, 0);
	}
	close(s);
}

static bool destroyed_once(struct fake_hv *f)
{
	return f->nr_destroy == 1;
}

static bool notified_3(struct fake_hv *f)
{
	return f->notified_vcpu == 3;
}

static bool msi_seen(struct fake_hv *f)
{
	return f->msi_data == 0x4031;
}

static void test_transport(void)
{
	GError *error = NULL;
	struct dm_transport *t = dm_transport_board_open(mux_path, &error);
	struct acrn_vm_creation c = { 0 };
	struct acrn_ioeventfd ev = { .flags = ACRN_IOEVENTFD_FLAG_PIO, .addr = 0x1000, .len = 2 };
	struct acrn_irqfd irq = { .msi = { .msi_addr = 0xFEE00000, .msi_data = 0x4031 } };
	uint64_t before = ram_free(), one = 1;
	uint8_t *ram, *ram2, *svm;
	int efd;

	g_assert_no_error(error);
	g_assert_nonnull(t);
	g_assert_cmpstr(t->ops->name, ==, "board");
	/* Before CREATE_VM nothing else works, as with the HSM. */
	g_assert_cmpint(t->ops->start_vm(t), ==, -ENODEV);
	g_strlcpy((char *)c.name, "nosys", sizeof(c.name));
	g_assert_cmpint(t->ops->create_vm(t, &c), ==, -ENOSYS);
	g_assert_cmpuint(ram_free(), ==, before); /* nothing leaked */
	g_strlcpy((char *)c.name, "post0", sizeof(c.name));
	g_assert_cmpint(t->ops->create_vm(t, &c), ==, 0);
	g_assert_cmpint(t->ops->create_vm(t, &c), ==, -EEXIST);
	g_assert_cmpuint(c.vmid, ==, 1);
	g_assert_cmpuint(c.vcpu_num, ==, 2);
	g_assert_cmpuint(t->vmid, ==, 1);
	g_assert_nonnull(t->ioreq_page);
	/* The page acrn-dm sees is the one the hypervisor was given. */
	g_assert_cmpuint(fake.ioreq_gpa, >=, ACRN_BRIDGE_ARG_GPA(ACRN_BRIDGE_NR_SLOTS));
	((uint8_t *)t->ioreq_page)[300] = 0x5a;
	g_assert_cmpuint(((uint8_t *)fake_hv_svm(&fake, fake.ioreq_gpa))[300], ==, 0x5a);

	/* Guest RAM: board RAM both sides see; only one's own memory can be mapped. */
	ram = t->ops->alloc_ram(t, MiB(2));
	g_assert_nonnull(ram);
	g_assert_cmpint(t->ops->map_ram(t, 0x100000, ram + 0x1000, 0x2000, ACRN_MEM_ACCESS_RWX), ==,
	                0);
	g_assert_cmpuint(fake.region_type, ==, MR_ADD);
	g_assert_cmpuint(fake.region_gpa, ==, 0x100000);
	g_assert_cmpuint(fake.region_size, ==, 0x2000);
	svm = fake_hv_svm(&fake, fake.region_svm_gpa);
	ram[0x1000] = 0xab;
	g_assert_cmpuint(svm[0], ==, 0xab);
	g_assert_cmpint(t->ops->map_ram(t, 0, &c, 0x1000, 0), ==, -EINVAL);
	g_assert_cmpint(t->ops->map_ram(t, 0, ram + 0x1000, MiB(2), 0), ==, -EINVAL);
	g_assert_null(t->ops->alloc_ram(t, MiB(3)));
	g_assert_cmpint(errno, ==, EINVAL);
	ram2 = t->ops->alloc_ram(t, MiB(4));
	g_assert_nonnull(ram2);
	g_assert_null(t->ops->alloc_ram(t, MiB(2))); /* the board is out of memory */
	g_assert_cmpint(errno, ==, ENOMEM);
	g_assert_cmpuint(ram_free(), ==, 0);

	/* An upcall: the pending slot becomes PROCESSING and the waiter wakes. */
	fake_hv_upcall_ioreq(&fake, 3);
	g_assert_cmpint(t->ops->wait_requests(t), ==, 0);
	g_assert_cmpuint(__atomic_load_n(&t->ioreq_page->req_slot[3].processed, __ATOMIC_ACQUIRE),
	                 ==, ACRN_IOREQ_STATE_PROCESSING);
	g_assert_cmpuint(t->ioreq_page->req_slot[3].reqs.pio_request.address, ==, 0x3f8);
	t->ioreq_page->req_slot[3].processed = ACRN_IOREQ_STATE_COMPLETE;
	g_assert_cmpint(t->ops->notify_request_finish(t, 3), ==, 0);
	g_assert_true(fake_hv_wait(&fake, notified_3));
	g_assert_cmpint(t->ops->notify_request_finish(t, 16), ==, -EINVAL);
	t->ops->wake_requests(t);
	g_assert_cmpint(t->ops->wait_requests(t), ==, 0);

	/* No asyncio in this hypervisor: acrn-dm falls back to ioreqs. */
	efd = eventfd(0, EFD_CLOEXEC);
	ev.fd = (uint32_t)efd;
	g_assert_cmpint(t->ops->ioeventfd(t, &ev), ==, -EOPNOTSUPP);
	ev.len = 3;
	g_assert_cmpint(t->ops->ioeventfd(t, &ev), ==, -EINVAL);
	/* irqfd: a write to the eventfd becomes INJECT_MSI. */
	irq.fd = efd;
	g_assert_cmpint(t->ops->irqfd(t, &irq), ==, 0);
	g_assert_cmpint(write(efd, &one, sizeof(one)), ==, sizeof(one));
	g_assert_true(fake_hv_wait(&fake, msi_seen));
	irq.flags = ACRN_IRQFD_FLAG_DEASSIGN;
	g_assert_cmpint(t->ops->irqfd(t, &irq), ==, 0);
	g_assert_cmpint(t->ops->irqfd(t, &irq), ==, -ENOENT);
	irq.fd = -1;
	g_assert_cmpint(t->ops->irqfd(t, &irq), ==, -EBADF);
	close(efd);

	/* A hypervisor that never answers: a clear timeout, and the bridge still works. */
	board.timeout_ms = 300;
	fake.hang_start = true;
	g_assert_cmpint(t->ops->start_vm(t), ==, -ETIMEDOUT);
	fake.hang_start = false;
	board.timeout_ms = 2000;
	g_assert_cmpint(t->ops->set_irqline(t, 5, GSI_RAISING_PULSE), ==, -ENOTTY);

	/* Closing the connection destroys the VM and frees (zeroed) its memory. */
	memset(ram2, 0x77, MiB(4));
	t->ops->close(t);
	g_assert_true(fake_hv_wait(&fake, destroyed_once));
	for (int i = 0; i < 200 && ram_free() != before; i++)
		g_usleep(10000);
	g_assert_cmpuint(ram_free(), ==, before);
	g_assert_cmpuint(svm[0], ==, 0);
}

static void test_board_restart(void)
{
	GError *error = NULL;
	struct dm_transport *t = dm_transport_board_open(mux_path, &error);
	struct acrn_vm_creation c = { .name = "post0" };

	g_assert_no_error(error);
	g_assert_cmpint(t->ops->create_vm(t, &c), ==, 0);
	fake_hv_reboot(&fake);
	/* Until the board says hello again: down; after: this VM belongs to the old boot. */
	for (int i = 0; i < 500 && !(board.up && board.boot_id == fake.boot_id); i++)
		g_usleep(10000);
	g_assert_true(board.up);
	g_assert_cmpint(t->ops->start_vm(t), ==, -ESHUTDOWN);
	t->ops->close(t);
	g_assert_cmpuint(ram_free(), ==, FAKE_SVM_SIZE - MiB(2));
	/* A new client works against the new boot. */
	t = dm_transport_board_open(mux_path, &error);
	g_assert_no_error(error);
	g_assert_cmpint(t->ops->create_vm(t, &c), ==, 0);
	/* DESTROY_VM ends the ioreq loop; the handle takes no second VM, as the HSM's. */
	g_assert_cmpint(t->ops->destroy_vm(t), ==, 0);
	g_assert_cmpint(t->ops->wait_requests(t), ==, -ESHUTDOWN);
	g_assert_cmpint(t->ops->start_vm(t), ==, -ENODEV);
	g_assert_cmpint(t->ops->create_vm(t, &c), ==, -EEXIST);
	t->ops->close(t);
	g_assert_cmpuint(ram_free(), ==, FAKE_SVM_SIZE - MiB(2));
}

/* With a hypervisor that has asyncio: ioeventfd is posted through the sbuf. */
static void test_asyncio(void)
{
	GError *error = NULL;
	struct dm_transport *t = dm_transport_board_open(mux_path, &error);
	struct acrn_vm_creation c = { .name = "post0" };
	struct acrn_ioeventfd ev = { .flags = ACRN_IOEVENTFD_FLAG_PIO, .addr = 0x1f0, .len = 2 };
	struct pollfd pfd;
	uint64_t count;
	int efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);

	g_assert_no_error(error);
	fake.asyncio = true;
	g_assert_cmpint(t->ops->create_vm(t, &c), ==, 0);
	ev.fd = (uint32_t)efd;
	g_assert_cmpint(t->ops->ioeventfd(t, &ev), ==, 0);
	g_assert_cmpuint(fake.asyncio_addr, ==, 0x1f0);
	g_assert_cmpuint(fake.sbuf_gpa, !=, 0);
	/* A token that names nothing is ignored; ours signals our eventfd. */
	fake_hv_push_asyncio(&fake, 999);
	fake_hv_push_asyncio(&fake, fake.asyncio_token);
	pfd = (struct pollfd){ .fd = efd, .events = POLLIN };
	g_assert_cmpint(poll(&pfd, 1, 5000), ==, 1);
	g_assert_cmpint(read(efd, &count, sizeof(count)), ==, sizeof(count));
	g_assert_cmpuint(count, >=, 1);
	ev.flags |= ACRN_IOEVENTFD_FLAG_DEASSIGN;
	g_assert_cmpint(t->ops->ioeventfd(t, &ev), ==, 0);
	g_assert_cmpuint(fake.nr_deassign, ==, 1);
	g_assert_cmpint(t->ops->ioeventfd(t, &ev), ==, -ENOENT);
	t->ops->close(t);
	fake.asyncio = false;
	close(efd);
}

static void test_no_bridge(void)
{
	GError *error = NULL;
	g_autofree char *path = g_build_filename(fake.dir, "nobody.sock", NULL);

	g_assert_null(dm_transport_board_open(path, &error));
	g_assert_nonnull(error);
	g_assert_nonnull(strstr(error->message, path));
	g_error_free(error);
	error = NULL;
	g_setenv("ACRN_BRIDGE", path, TRUE);
	g_assert_null(dm_transport_board_open(NULL, &error));
	g_assert_nonnull(strstr(error->message, path));
	g_error_free(error);
}

int main(int argc, char **argv)
{
	int ret;

	g_test_init(&argc, &argv, NULL);
	/* acrn-bridged warns about what the tests provoke (timeouts, a rebooted board). */
	g_log_set_always_fatal(G_LOG_LEVEL_ERROR | G_LOG_LEVEL_CRITICAL);
	setup_mux();
	g_test_add_func("/bridge/alloc", test_alloc);
	g_test_add_func("/bridge/proto/check", test_proto_check);
	g_test_add_func("/bridge/proto/recv-hostile", test_proto_recv_hostile);
	g_test_add_func("/bridge/mux/raw", test_mux_raw);
	g_test_add_func("/bridge/mux/transport", test_transport);
	g_test_add_func("/bridge/mux/board-restart", test_board_restart);
	g_test_add_func("/bridge/mux/asyncio", test_asyncio);
	g_test_add_func("/bridge/transport/no-bridge", test_no_bridge);
	ret = g_test_run();
	fake_hv_cleanup(&fake);
	return ret;
}
