/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The kernel transport: a real Service VM's HSM driver, /dev/acrn_hsm, one
 * VM per open file. Every operation is one ioctl of mainline <linux/acrn.h>;
 * guest RAM is a memfd this process maps and hands over with SET_MEMSEG.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <gio/gio.h>
#include <linux/memfd.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <acrn/hsm.h>
#include <acrn/memory.h>
#include <dm/log.h>
#include <dm/transport.h>

#include "transport_kernel.h"

#define PAGE_SZ     4096UL
#define HUGE_2M     (2UL << 20)
#define WAKE_SIGNAL SIGUSR2
#define WAKE_TRIES  100

static int hsm_ioctl_real(int fd, unsigned long request, unsigned long arg)
{
	return ioctl(fd, request, arg) < 0 ? -errno : 0;
}

int (*dm_hsm_ioctl)(int fd, unsigned long request, unsigned long arg) = hsm_ioctl_real;

struct ram_map {
	void *hva;
	size_t size;
};

struct kernel_priv {
	int fd;
	struct acrn_io_request_buffer *page;
	GMutex lock; /* client, created, maps */
	bool created, client;
	GArray *maps;
	/* wake_requests interrupts the blocked ATTACH with a signal. */
	pthread_t waiter;
	int waiting, wake;
};

static struct kernel_priv *kpriv(struct dm_transport *t)
{
	return t->priv;
}

static int kioctl(struct dm_transport *t, unsigned long request, unsigned long arg)
{
	return dm_hsm_ioctl(kpriv(t)->fd, request, arg);
}

static int k_create_vm(struct dm_transport *t, struct acrn_vm_creation *c)
{
	struct kernel_priv *k = kpriv(t);
	int ret;

	/* The HSM pins this user page and registers it with SET_IOREQ_BUFFER. */
	c->ioreq_buf = (uint64_t)(uintptr_t)k->page;
	ret = kioctl(t, DM_HSM_IOCTL_CREATE_VM, (unsigned long)c);
	if (ret)
		return ret;
	g_mutex_lock(&k->lock);
	k->created = true;
	g_mutex_unlock(&k->lock);
	t->vmid = c->vmid;
	t->ioreq_page = k->page;
	return 0;
}

static int k_destroy_vm(struct dm_transport *t)
{
	struct kernel_priv *k = kpriv(t);
	int ret = kioctl(t, DM_HSM_IOCTL_DESTROY_VM, 0);

	if (!ret) {
		g_mutex_lock(&k->lock);
		/* The HSM destroyed the ioreq clients with the VM. */
		k->created = false;
		k->client = false;
		g_mutex_unlock(&k->lock);
	}
	return ret;
}

/* The default client must exist before the VM runs, or the HSM drops its requests. */
static int ensure_client(struct dm_transport *t)
{
	struct kernel_priv *k = kpriv(t);
	int ret = 0;

	g_mutex_lock(&k->lock);
	if (!k->created)
		ret = -ESHUTDOWN;
	else if (!k->client) {
		ret = kioctl(t, DM_HSM_IOCTL_CREATE_IOREQ_CLIENT, 0);
		if (!ret)
			k->client = true;
	}
	g_mutex_unlock(&k->lock);
	return ret;
}

static int k_start_vm(struct dm_transport *t)
{
	int ret = ensure_client(t);

	return ret ? ret : kioctl(t, DM_HSM_IOCTL_START_VM, 0);
}

static int k_pause_vm(struct dm_transport *t)
{
	return kioctl(t, DM_HSM_IOCTL_PAUSE_VM, 0);
}

static int k_reset_vm(struct dm_transport *t)
{
	return kioctl(t, DM_HSM_IOCTL_RESET_VM, 0);
}

static int k_set_vcpu_regs(struct dm_transport *t, const struct acrn_vcpu_regs *regs)
{
	return kioctl(t, DM_HSM_IOCTL_SET_VCPU_REGS, (unsigned long)regs);
}

static void *k_alloc_ram(struct dm_transport *t, uint64_t size)
{
	struct kernel_priv *k = kpriv(t);
	struct ram_map m;
	void *p = MAP_FAILED;
	int fd;

	if (!size || size % HUGE_2M || size > SIZE_MAX)
		return NULL;
	/* Huge pages when the host has them reserved (as ACRN does), else normal pages. */
	fd = memfd_create("acrn-dm-ram", MFD_CLOEXEC | MFD_HUGETLB | MFD_HUGE_2MB);
	if (fd >= 0 && ftruncate(fd, (off_t)size) == 0)
		p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, fd, 0);
	if (p == MAP_FAILED) {
		if (fd >= 0)
			close(fd);
		fd = memfd_create("acrn-dm-ram", MFD_CLOEXEC);
		if (fd < 0)
			return NULL;
		if (ftruncate(fd, (off_t)size) == 0)
			p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	}
	close(fd); /* the mapping keeps the memory */
	if (p == MAP_FAILED)
		return NULL;
	m.hva = p;
	m.size = size;
	g_mutex_lock(&k->lock);
	g_array_append_val(k->maps, m);
	g_mutex_unlock(&k->lock);
	return p;
}

static int k_map_ram(struct dm_transport *t, uint64_t gpa, void *hva, uint64_t size, uint32_t prot)
{
	struct acrn_vm_memmap mm = {
		.type = ACRN_MEMMAP_RAM,
		.attr = prot & ACRN_MEM_ACCESS_RIGHT_MASK,
		.user_vm_pa = gpa,
		.vma_base = (uint64_t)(uintptr_t)hva,
		.len = size,
	};

	return kioctl(t, DM_HSM_IOCTL_SET_MEMSEG, (unsigned long)&mm);
}

static int k_set_irqline(struct dm_transport *t, uint32_t gsi, uint32_t op)
{
	/* By value: the HSM passes the ioctl argument straight to HC_SET_IRQLINE. */
	return kioctl(t, DM_HSM_IOCTL_SET_IRQLINE, (unsigned long)ACRN_IRQLINE_PARAM(gsi, op));
}

static int k_inject_msi(struct dm_transport *t, uint64_t addr, uint64_t data)
{
	struct acrn_msi_entry msi = { .msi_addr = addr, .msi_data = data };

	return kioctl(t, DM_HSM_IOCTL_INJECT_MSI, (unsigned long)&msi);
}

static void wake_handler(int sig)
{
	(void)sig; /* only interrupts the blocked ioctl */
}

static void install_wake_handler(void)
{
	static gsize once;

	if (g_once_init_enter(&once)) {
		struct sigaction sa;

		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = wake_handler; /* no SA_RESTART: ATTACH returns EINTR */
		sigemptyset(&sa.sa_mask);
		sigaction(WAKE_SIGNAL, &sa, NULL);
		g_once_init_leave(&once, 1);
	}
}

static int k_wait_requests(struct dm_transport *t)
{
	struct kernel_priv *k = kpriv(t);
	int ret = ensure_client(t);

	if (ret)
		return ret;
	/* waiting before the wake check: a waker that sees waiting == 0 knows we will see wake. */
	k->waiter = pthread_self();
	g_atomic_int_set(&k->waiting, 1);
	if (g_atomic_int_compare_and_exchange(&k->wake, 1, 0)) {
		g_atomic_int_set(&k->waiting, 0);
		return 0;
	}
	ret = kioctl(t, DM_HSM_IOCTL_ATTACH_IOREQ_CLIENT, 0);
	g_atomic_int_set(&k->waiting, 0);
	g_atomic_int_set(&k->wake, 0);
	if (ret == -EINTR)
		return 0;
	if (ret == -ENODEV) /* the client is being destroyed with the VM */
		return -ESHUTDOWN;
	return ret;
}

static void k_wake_requests(struct dm_transport *t)
{
	struct kernel_priv *k = kpriv(t);

	g_atomic_int_set(&k->wake, 1);
	/*
	 * A signal that lands between the waiter's flag check and its ioctl
	 * is lost, so resend until the waiter has seen the wake.
	 */
	for (int i = 0;
	     i < WAKE_TRIES && g_atomic_int_get(&k->wake) && g_atomic_int_get(&k->waiting); i++) {
		pthread_kill(k->waiter, WAKE_SIGNAL);
		g_usleep(1000);
	}
}

static int k_notify_request_finish(struct dm_transport *t, uint32_t vcpu)
{
	struct acrn_ioreq_notify n = { .vmid = t->vmid, .reserved = 0, .vcpu = vcpu };

	return kioctl(t, DM_HSM_IOCTL_NOTIFY_REQUEST_FINISH, (unsigned long)&n);
}

static int k_clear_vm_ioreq(struct dm_transport *t)
{
	return kioctl(t, DM_HSM_IOCTL_CLEAR_VM_IOREQ, 0);
}

static int k_ioeventfd(struct dm_transport *t, const struct acrn_ioeventfd *e)
{
	return kioctl(t, DM_HSM_IOCTL_IOEVENTFD, (unsigned long)e);
}

static int k_irqfd(struct dm_transport *t, const struct acrn_irqfd *f)
{
	return kioctl(t, DM_HSM_IOCTL_IRQFD, (unsigned long)f);
}

static void k_close(struct dm_transport *t)
{
	struct kernel_priv *k = kpriv(t);

	if (k->client)
		kioctl(t, DM_HSM_IOCTL_DESTROY_IOREQ_CLIENT, 0);
	if (k->created)
		kioctl(t, DM_HSM_IOCTL_DESTROY_VM, 0);
	/* Closing the file releases the VM and unpins its memory in the HSM. */
	close(k->fd);
	for (guint i = 0; i < k->maps->len; i++) {
		struct ram_map *m = &g_array_index(k->maps, struct ram_map, i);

		munmap(m->hva, m->size);
	}
	g_array_free(k->maps, TRUE);
	munmap(k->page, PAGE_SZ);
	g_mutex_clear(&k->lock);
	g_free(k);
	g_free(t);
}

static const struct dm_transport_ops kernel_ops = {
	.name = "kernel",
	.create_vm = k_create_vm,
	.destroy_vm = k_destroy_vm,
	.start_vm = k_start_vm,
	.pause_vm = k_pause_vm,
	.reset_vm = k_reset_vm,
	.set_vcpu_regs = k_set_vcpu_regs,
	.alloc_ram = k_alloc_ram,
	.map_ram = k_map_ram,
	.set_irqline = k_set_irqline,
	.inject_msi = k_inject_msi,
	.wait_requests = k_wait_requests,
	.wake_requests = k_wake_requests,
	.notify_request_finish = k_notify_request_finish,
	.clear_vm_ioreq = k_clear_vm_ioreq,
	.ioeventfd = k_ioeventfd,
	.irqfd = k_irqfd,
	.close = k_close,
};

struct dm_transport *dm_transport_kernel_open(const char *dev_path, GError **error)
{
	struct dm_transport *t;
	struct kernel_priv *k;
	void *page;
	int fd;

	if (!dev_path)
		dev_path = "/dev/acrn_hsm";
	fd = open(dev_path, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		int e = errno;

		g_set_error(error, G_IO_ERROR, g_io_error_from_errno(e),
		            "cannot open the HSM device %s: %s", dev_path, g_strerror(e));
		return NULL;
	}
	/* The ioreq page: a whole, page-aligned user page the HSM can pin. */
	page = mmap(NULL, PAGE_SZ, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (page == MAP_FAILED) {
		int e = errno;

		close(fd);
		g_set_error(error, G_IO_ERROR, g_io_error_from_errno(e),
		            "cannot allocate the ioreq page: %s", g_strerror(e));
		return NULL;
	}
	install_wake_handler();
	k = g_new0(struct kernel_priv, 1);
	k->fd = fd;
	k->page = page;
	k->maps = g_array_new(FALSE, FALSE, sizeof(struct ram_map));
	g_mutex_init(&k->lock);
	t = g_new0(struct dm_transport, 1);
	t->ops = &kernel_ops;
	t->priv = k;
	return t;
}
