/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * acrn-dm's main.c linked with the core, a fake transport and doubles for
 * the parts other helpers write (PCI bus, platform, monitor), so tests can
 * run the real program. $FAKE_GUEST says what the fake guest does once
 * started: "poweroff" (writes S5), "reboot" (resets once, then powers
 * off), anything else: nothing (the test sends a signal).
 */
#include <errno.h>
#include <gio/gio.h>
#include <string.h>

#include <dm/io.h>
#include <dm/monitor.h>
#include <dm/pci.h>
#include <dm/platform.h>
#include <dm/transport.h>
#include <dm/vm.h>

#include "doubles.h"
#include "fake-transport.h"

static struct acrn_io_request power_write(enum dm_power what)
{
	struct acrn_io_request r = { .type = ACRN_IOREQ_TYPE_PORTIO };

	r.reqs.pio_request.direction = ACRN_IOREQ_DIR_WRITE;
	r.reqs.pio_request.address = 0xCF9;
	r.reqs.pio_request.size = 1;
	r.reqs.pio_request.value = what;
	return r;
}

static gpointer guest(gpointer data)
{
	struct fake_transport *f = data;
	const char *what = g_getenv("FAKE_GUEST");
	struct acrn_io_request r;

	if (!fake_wait_calls(f, "start_vm", 1) || !what)
		goto out;
	if (!strcmp(what, "reboot")) {
		r = power_write(DM_POWER_RESET);
		fake_hv_post(f, 0, &r);
		if (!fake_wait_calls(f, "start_vm", 2))
			goto out;
	}
	if (!strcmp(what, "poweroff") || !strcmp(what, "reboot")) {
		r = power_write(DM_POWER_OFF);
		fake_hv_post(f, 1, &r);
	}
out:
	fake_transport_unref(f);
	return NULL;
}

struct dm_transport *dm_transport_open(const char *name, GError **error)
{
	struct fake_transport *f;

	if (name && !strcmp(name, "kernel")) {
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
		            "cannot open the HSM device /dev/acrn_hsm: No such file or directory");
		return NULL;
	}
	doubles_print_events = true;
	doubles_reset();
	f = fake_transport_new(2);
	f->refs = 2; /* acrn-dm's close() and the guest thread */
	g_thread_unref(g_thread_new("guest", guest, f));
	return &f->t;
}

int pci_add_from_arg(struct dm_vm *vm, const char *arg, GError **error)
{
	(void)vm;
	if (strstr(arg, "bogus")) {
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
		            "unknown emulation \"bogus\"");
		return -EINVAL;
	}
	return 0;
}

int pci_bus_realize(struct dm_vm *vm, GError **error)
{
	(void)vm;
	(void)error;
	return 0;
}

int dm_uart_add_from_arg(struct dm_vm *vm, const char *arg, GError **error)
{
	(void)vm;
	(void)arg;
	(void)error;
	return 0;
}

static int power_reg(struct dm_vm *vm, void *opaque, bool write, uint64_t offset, unsigned size,
                     uint64_t *val)
{
	(void)opaque;
	(void)offset;
	(void)size;
	if (write)
		dm_vm_request_power(vm, (enum dm_power) * val);
	return 0;
}

int dm_platform_init(struct dm_vm *vm, GError **error)
{
	struct dm_io_range r = { "power", 0xCF9, 1, power_reg, NULL };

	(void)error;
	return dm_io_register_pio(vm, &r);
}

int dm_acpi_build(struct dm_vm *vm, uint64_t *rsdp_gpa, GError **error)
{
	(void)vm;
	(void)error;
	*rsdp_gpa = DM_ACPI_BASE;
	return 0;
}

struct dm_monitor *dm_monitor_new(struct dm_vm *vm, const char *path, GError **error)
{
	(void)vm;
	if (g_str_has_prefix(path, "/nonexistent")) {
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, "cannot listen on %s", path);
		return NULL;
	}
	return g_malloc0(1);
}

void dm_monitor_free(struct dm_monitor *m)
{
	g_free(m);
}
