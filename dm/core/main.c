/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * acrn-dm: one post-launched VM per process. The main thread parses the
 * command line, builds the VM and its devices, boots the kernel and then
 * runs the GLib main loop (monitor, console backends, signals); the ioreq
 * thread does the devices' work until the guest powers off.
 */
#include <errno.h>
#include <gio/gio.h>
#include <glib-unix.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include <dm/log.h>
#include <dm/monitor.h>
#include <dm/pci.h>
#include <dm/platform.h>
#include <dm/transport.h>
#include <dm/vm.h>

#include "cmdline.h"
#include "core.h"

#ifndef DM_VERSION
#define DM_VERSION "unknown"
#endif

struct dm_main {
	struct dm_vm vm;
	struct dm_cmdline cmd;
	struct dm_boot_cfg boot;
	GMainLoop *loop;
	int status;
};

/* Load the kernel and set the BSP's registers: at start and after every reset. */
static int load_kernel(struct dm_main *m, GError **error)
{
	struct dm_vm *vm = &m->vm;
	struct acrn_vcpu_regs regs;
	int ret;

	ret = dm_bzimage_load(vm, &m->boot, &regs, error);
	if (ret)
		return ret;
	ret = vm->t->ops->set_vcpu_regs(vm->t, &regs);
	if (ret)
		g_set_error(error, G_IO_ERROR, g_io_error_from_errno(-ret),
		            "cannot set the boot CPU's registers: %s", g_strerror(-ret));
	return ret;
}

/* The reset path's reload, on the ioreq thread. */
static int reboot_vm(struct dm_vm *vm, void *opaque)
{
	GError *err = NULL;
	int ret = load_kernel(opaque, &err);

	(void)vm;
	if (ret) {
		dm_err("%s", err->message);
		g_error_free(err);
	}
	return ret;
}

static gboolean quit_loop(gpointer data)
{
	g_main_loop_quit(((struct dm_main *)data)->loop);
	return G_SOURCE_REMOVE;
}

/* On the ioreq thread: hand the end over to the main loop. */
static void vm_stopped(struct dm_vm *vm, int status, void *opaque)
{
	struct dm_main *m = opaque;

	(void)vm;
	g_atomic_int_set(&m->status, status ? 1 : 0);
	g_idle_add(quit_loop, m);
}

static gboolean on_signal(gpointer data)
{
	struct dm_main *m = data;

	dm_info("signal received: powering off");
	dm_vm_request_power_why(&m->vm, DM_POWER_OFF, "signal");
	return G_SOURCE_CONTINUE;
}

static int setup(struct dm_main *m, struct dm_monitor **mon, GError **error)
{
	struct dm_cmdline *c = &m->cmd;
	struct dm_vm *vm = &m->vm;
	struct dm_transport *t;
	uint64_t rsdp = 0;
	int ret;

	t = dm_transport_open(c->transport, error);
	if (!t)
		return -ENODEV;
	ret = dm_vm_create(vm, t, c->vm_name, c->ncpus, c->cpu_affinity, error);
	if (ret) {
		if (!vm->core)
			t->ops->close(t);
		return ret;
	}
	dm_vm_set_stopped(vm, vm_stopped, m);
	if (c->monitor) {
		*mon = dm_monitor_new(vm, c->monitor, error);
		if (!*mon)
			return -EIO;
	}
	ret = dm_mem_setup(vm, c->mem_size, error);
	if (ret)
		return ret;
	for (guint i = 0; i < c->pci->len; i++) {
		ret = pci_add_from_arg(vm, g_ptr_array_index(c->pci, i), error);
		if (ret) {
			g_prefix_error(error, "-s %s: ", (char *)g_ptr_array_index(c->pci, i));
			return ret;
		}
	}
	for (guint i = 0; i < c->lpc->len; i++) {
		ret = dm_uart_add_from_arg(vm, g_ptr_array_index(c->lpc, i), error);
		if (ret) {
			g_prefix_error(error, "-l %s: ", (char *)g_ptr_array_index(c->lpc, i));
			return ret;
		}
	}
	ret = pci_bus_realize(vm, error);
	if (!ret)
		ret = dm_platform_init(vm, error);
	if (!ret)
		ret = dm_acpi_build(vm, &rsdp, error);
	if (ret)
		return ret;

	m->boot.kernel = c->kernel;
	m->boot.initrd = c->initrd;
	m->boot.cmdline = c->bootargs;
	m->boot.rsdp_gpa = rsdp;
	ret = load_kernel(m, error);
	if (ret)
		return ret;
	dm_vm_set_boot(vm, reboot_vm, m);

	ret = dm_ioreq_start(vm, error);
	if (ret)
		return ret;
	ret = dm_vm_start(vm);
	if (ret)
		g_set_error(error, G_IO_ERROR, g_io_error_from_errno(-ret),
		            "cannot start the VM: %s", g_strerror(-ret));
	return ret;
}

int main(int argc, char **argv)
{
	static struct dm_main m;
	struct dm_monitor *mon = NULL;
	GError *err = NULL;
	int ret;

	if (dm_cmdline_parse(&m.cmd, argc, argv, &err)) {
		fprintf(stderr, "acrn-dm: %s\n", err->message);
		g_error_free(err);
		dm_cmdline_clear(&m.cmd);
		return 2;
	}
	if (m.cmd.help) {
		fputs(dm_cmdline_usage, stdout);
		dm_cmdline_clear(&m.cmd);
		return 0;
	}
	if (m.cmd.version) {
		printf("acrn-dm %s\n", DM_VERSION);
		dm_cmdline_clear(&m.cmd);
		return 0;
	}
	dm_log_set_prefix(m.cmd.vm_name);
	/* A closed console or monitor peer must not kill the VM. */
	signal(SIGPIPE, SIG_IGN);

	m.loop = g_main_loop_new(NULL, FALSE);
	ret = setup(&m, &mon, &err);
	if (ret) {
		dm_err("%s", err ? err->message : g_strerror(-ret));
		g_clear_error(&err);
		m.status = 1;
	} else {
		guint s1 = g_unix_signal_add(SIGTERM, on_signal, &m);
		guint s2 = g_unix_signal_add(SIGINT, on_signal, &m);
		guint s3 = g_unix_signal_add(SIGHUP, on_signal, &m);

		dm_info("running");
		g_main_loop_run(m.loop);
		g_source_remove(s1);
		g_source_remove(s2);
		g_source_remove(s3);
	}

	if (m.vm.core)
		dm_ioreq_stop(&m.vm);
	if (mon)
		dm_monitor_free(mon);
	dm_vm_destroy(&m.vm);
	g_main_loop_unref(m.loop);
	dm_cmdline_clear(&m.cmd);
	return g_atomic_int_get(&m.status);
}
