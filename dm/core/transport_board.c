/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The board transport: acrn-dm on an emulated board, where acrn-bridged
 * plays /dev/acrn_hsm (api/bridge.md). Each operation is one request on the
 * multiplexer's socket (an HSM ioctl nr and its structure); guest RAM and the
 * ioreq page are mappings of board RAM the multiplexer hands out as a file
 * descriptor and offset; the ioreq notification is an eventfd given at
 * CREATE_VM. Requests from several threads are serialized on the socket.
 */
#include <errno.h>
#include <gio/gio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <unistd.h>

#include <acrn/bridge.h>
#include <dm/transport.h>

/* The bridge's own codec (tools/acrn-bridge), so both ends frame messages alike. */
#include "proto.h"
#include "sockpath.h"

struct board_ram {
	uint8_t *hva;
	uint64_t size;
	uint64_t service_vm_pa;
};

struct board {
	int sock;
	GMutex lock; /* one request/reply at a time */
	uint32_t seq;
	int ioreq_efd;
	void *ioreq_map;
	GArray *ram; /* struct board_ram */
	volatile bool shut_down;
};

static struct board *priv(struct dm_transport *t)
{
	return t->priv;
}

/* One round trip: 0 or the multiplexer's negative errno; @out_fd gets a passed descriptor. */
static int board_request(struct board *b, uint16_t op, const void *in, uint32_t len, int fd,
                         void *out, size_t out_len, int *out_fd)
{
	struct acrn_bridge_msg m = { .op = op, .len = len };
	uint8_t payload[ACRN_BRIDGE_MSG_MAX];
	int rfd = -1, err;

	if (out_fd)
		*out_fd = -1;
	g_mutex_lock(&b->lock);
	m.seq = ++b->seq;
	err = bridge_msg_send(b->sock, &m, in, fd);
	if (!err)
		err = bridge_msg_recv(b->sock, &m, payload, sizeof(payload), &rfd);
	g_mutex_unlock(&b->lock);
	if (err == -EMSGSIZE)
		err = -EPROTO; /* a reply longer than any the protocol has */
	if (!err)
		err = m.result;
	if (!err && out)
		memcpy(out, payload, MIN(out_len, (size_t)m.len));
	if (!err && out && m.len < out_len)
		err = -EPROTO;
	if (!err && out_fd) {
		*out_fd = rfd;
		rfd = -1;
	}
	if (rfd >= 0)
		close(rfd);
	return err;
}

static int board_create_vm(struct dm_transport *t, struct acrn_vm_creation *c)
{
	struct board *b = priv(t);
	struct acrn_bridge_created out;
	int fd, err;
	void *page;

	if (b->ioreq_map)
		return -EEXIST;
	b->ioreq_efd = b->ioreq_efd >= 0 ? b->ioreq_efd : eventfd(0, EFD_CLOEXEC);
	if (b->ioreq_efd < 0)
		return -errno;
	err = board_request(b, ACRN_HSM_CREATE_VM, c, sizeof(*c), b->ioreq_efd, &out, sizeof(out),
	                    &fd);
	if (err)
		return err;
	if (fd < 0)
		return -EPROTO;
	page = mmap(NULL, ACRN_BRIDGE_PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
	            (off_t)out.ioreq_mmap_offset);
	err = page == MAP_FAILED ? -errno : 0;
	close(fd);
	if (err)
		return err;
	memcpy(c, out.creation, sizeof(*c));
	b->ioreq_map = page;
	t->vmid = c->vmid;
	t->ioreq_page = page;
	return 0;
}

static int board_simple(struct dm_transport *t, uint16_t op)
{
	return board_request(priv(t), op, NULL, 0, -1, NULL, 0, NULL);
}

static int board_destroy_vm(struct dm_transport *t)
{
	struct board *b = priv(t);
	int err = board_simple(t, ACRN_HSM_DESTROY_VM);

	if (!err) {
		b->shut_down = true;
		t->ops->wake_requests(t);
	}
	return err;
}

static int board_start_vm(struct dm_transport *t)
{
	return board_simple(t, ACRN_HSM_START_VM);
}

static int board_pause_vm(struct dm_transport *t)
{
	return board_simple(t, ACRN_HSM_PAUSE_VM);
}

static int board_reset_vm(struct dm_transport *t)
{
	return board_simple(t, ACRN_HSM_RESET_VM);
}

static int board_set_vcpu_regs(struct dm_transport *t, const struct acrn_vcpu_regs *regs)
{
	return board_request(priv(t), ACRN_HSM_SET_VCPU_REGS, regs, sizeof(*regs), -1, NULL, 0,
	                     NULL);
}

static void *board_alloc_ram(struct dm_transport *t, uint64_t size)
{
	struct board *b = priv(t);
	struct acrn_bridge_ram out;
	struct board_ram r;
	int fd, err;

	err = board_request(b, ACRN_BRIDGE_OP_ALLOC_RAM, &size, sizeof(size), -1, &out, sizeof(out),
	                    &fd);
	if (!err && fd < 0)
		err = -EPROTO;
	if (err) {
		errno = -err;
		return NULL;
	}
	r.hva = mmap(NULL, out.size, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
	             (off_t)out.mmap_offset);
	err = errno;
	close(fd);
	if (r.hva == MAP_FAILED) {
		errno = err;
		return NULL;
	}
	r.size = out.size;
	r.service_vm_pa = out.service_vm_pa;
	g_mutex_lock(&b->lock);
	g_array_append_val(b->ram, r);
	g_mutex_unlock(&b->lock);
	return r.hva;
}

static int board_map_ram(struct dm_transport *t, uint64_t gpa, void *hva, uint64_t size,
                         uint32_t prot)
{
	struct board *b = priv(t);
	struct acrn_vm_memmap mm = {
		.type = ACRN_MEMMAP_RAM, .attr = prot, .user_vm_pa = gpa, .len = size
	};
	bool found = false;

	g_mutex_lock(&b->lock);
	for (unsigned i = 0; i < b->ram->len && !found; i++) {
		struct board_ram *r = &g_array_index(b->ram, struct board_ram, i);
		uint8_t *p = hva;

		if (p >= r->hva && size <= r->size && (uint64_t)(p - r->hva) <= r->size - size) {
			mm.service_vm_pa = r->service_vm_pa + (uint64_t)(p - r->hva);
			found = true;
		}
	}
	g_mutex_unlock(&b->lock);
	if (!found)
		return -EINVAL; /* only memory from alloc_ram is board RAM */
	return board_request(b, ACRN_HSM_SET_MEMSEG, &mm, sizeof(mm), -1, NULL, 0, NULL);
}

static int board_set_irqline(struct dm_transport *t, uint32_t gsi, uint32_t op)
{
	uint64_t param = ACRN_IRQLINE_PARAM(gsi, op);

	return board_request(priv(t), ACRN_HSM_SET_IRQLINE, &param, sizeof(param), -1, NULL, 0,
	                     NULL);
}

static int board_inject_msi(struct dm_transport *t, uint64_t addr, uint64_t data)
{
	struct acrn_msi_entry msi = { .msi_addr = addr, .msi_data = data };

	return board_request(priv(t), ACRN_HSM_INJECT_MSI, &msi, sizeof(msi), -1, NULL, 0, NULL);
}

static int board_wait_requests(struct dm_transport *t)
{
	struct board *b = priv(t);
	uint64_t count;
	ssize_t n;

	if (b->shut_down || b->ioreq_efd < 0)
		return -ESHUTDOWN;
	do
		n = read(b->ioreq_efd, &count, sizeof(count));
	while (n < 0 && errno == EINTR);
	if (n != sizeof(count))
		return n < 0 ? -errno : -EIO;
	return b->shut_down ? -ESHUTDOWN : 0;
}

static void board_wake_requests(struct dm_transport *t)
{
	struct board *b = priv(t);
	uint64_t one = 1;

	if (b->ioreq_efd >= 0 && write(b->ioreq_efd, &one, sizeof(one)) < 0)
		(void)0; /* a full counter wakes the waiter anyway */
}

static int board_notify_request_finish(struct dm_transport *t, uint32_t vcpu)
{
	struct acrn_ioreq_notify n = { .vmid = t->vmid, .vcpu = vcpu };

	return board_request(priv(t), ACRN_HSM_NOTIFY_REQUEST_FINISH, &n, sizeof(n), -1, NULL, 0,
	                     NULL);
}

static int board_clear_vm_ioreq(struct dm_transport *t)
{
	return board_simple(t, ACRN_HSM_CLEAR_VM_IOREQ);
}

static int board_ioeventfd(struct dm_transport *t, const struct acrn_ioeventfd *e)
{
	return board_request(priv(t), ACRN_HSM_IOEVENTFD, e, sizeof(*e), (int)e->fd, NULL, 0, NULL);
}

static int board_irqfd(struct dm_transport *t, const struct acrn_irqfd *f)
{
	if (f->fd < 0)
		return -EBADF;
	return board_request(priv(t), ACRN_HSM_IRQFD, f, sizeof(*f), f->fd, NULL, 0, NULL);
}

static void board_close(struct dm_transport *t)
{
	struct board *b = priv(t);

	/* Closing the connection destroys the VM and frees its memory, as closing the HSM does. */
	b->shut_down = true;
	board_wake_requests(t);
	close(b->sock);
	if (b->ioreq_map)
		munmap(b->ioreq_map, ACRN_BRIDGE_PAGE_SIZE);
	for (unsigned i = 0; i < b->ram->len; i++) {
		struct board_ram *r = &g_array_index(b->ram, struct board_ram, i);

		munmap(r->hva, r->size);
	}
	g_array_free(b->ram, TRUE);
	if (b->ioreq_efd >= 0)
		close(b->ioreq_efd);
	g_mutex_clear(&b->lock);
	g_free(b);
	g_free(t);
}

static const struct dm_transport_ops board_ops = {
	.name = "board",
	.create_vm = board_create_vm,
	.destroy_vm = board_destroy_vm,
	.start_vm = board_start_vm,
	.pause_vm = board_pause_vm,
	.reset_vm = board_reset_vm,
	.set_vcpu_regs = board_set_vcpu_regs,
	.alloc_ram = board_alloc_ram,
	.map_ram = board_map_ram,
	.set_irqline = board_set_irqline,
	.inject_msi = board_inject_msi,
	.wait_requests = board_wait_requests,
	.wake_requests = board_wake_requests,
	.notify_request_finish = board_notify_request_finish,
	.clear_vm_ioreq = board_clear_vm_ioreq,
	.ioeventfd = board_ioeventfd,
	.irqfd = board_irqfd,
	.close = board_close,
};

struct dm_transport *dm_transport_board_open(const char *socket_path, GError **error)
{
	g_autofree char *path = socket_path ? g_strdup(socket_path) : bridge_default_socket();
	uint32_t version = ACRN_BRIDGE_VERSION;
	struct acrn_bridge_hello hello;
	struct dm_transport *t;
	struct board *b;
	int sock, err;

	sock = bridge_unix_connect(path);
	if (sock == -ENAMETOOLONG) {
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
		            "board bridge socket path %s is too long", path);
		return NULL;
	}
	if (sock < 0) {
		g_set_error(error, G_IO_ERROR, g_io_error_from_errno(-sock),
		            "cannot reach the board bridge at %s: %s (is a board with a bridge "
		            "Service VM running? acrn-board starts acrn-bridged; $%s names "
		            "another socket)",
		            path, g_strerror(-sock), ACRN_BRIDGE_ENV);
		return NULL;
	}
	b = g_new0(struct board, 1);
	b->sock = sock;
	b->ioreq_efd = -1;
	b->ram = g_array_new(FALSE, FALSE, sizeof(struct board_ram));
	g_mutex_init(&b->lock);
	t = g_new0(struct dm_transport, 1);
	t->ops = &board_ops;
	t->priv = b;
	err = board_request(b, ACRN_BRIDGE_OP_HELLO, &version, sizeof(version), -1, &hello,
	                    sizeof(hello), NULL);
	if (!err && hello.version != ACRN_BRIDGE_VERSION)
		err = -EPROTO;
	if (!err && !hello.board_up)
		err = -EHOSTDOWN;
	if (err) {
		g_set_error(error, G_IO_ERROR, g_io_error_from_errno(-err),
		            "board bridge at %s: %s", path,
		            err == -EHOSTDOWN ? "the board's hypervisor has not said hello (still "
		                                "booting, or no bridge Service VM in its scenario)"
		            : err == -EPROTO  ? "protocol version mismatch with acrn-bridged"
		                              : g_strerror(-err));
		board_close(t);
		return NULL;
	}
	return t;
}
