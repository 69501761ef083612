/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * COM1 and COM2: "-l comN,BACKEND" options, the 16550 models on their ISA
 * ports and interrupt lines, and their backends. COM1 always exists (the
 * kernel's console=ttyS0 must find it); without -l its output is dropped.
 * COM2 exists only with -l com2,...
 */
#include <errno.h>
#include <gio/gio.h>
#include <string.h>

#include <dm/io.h>
#include <dm/log.h>
#include <dm/monitor.h>
#include <dm/platform.h>
#include <dm/vm.h>

#include "hw.h"
#include "uart.h"
#include "uart_backend.h"

static struct com {
	bool present;
	struct uart16550 *uart;
	struct uart_backend *be;
	struct dm_vm *vm;
} coms[HW_NR_COMS];

static const struct {
	const char *name;
	uint16_t port;
	uint8_t gsi;
} com_res[HW_NR_COMS] = {
	{ "com1", HW_COM1_PORT, HW_COM1_GSI },
	{ "com2", HW_COM2_PORT, HW_COM2_GSI },
};

bool hw_com_present(unsigned idx)
{
	return idx < HW_NR_COMS && coms[idx].present;
}

uint16_t hw_com_port(unsigned idx)
{
	return idx < HW_NR_COMS ? com_res[idx].port : 0;
}

unsigned hw_com_gsi(unsigned idx)
{
	return idx < HW_NR_COMS ? com_res[idx].gsi : 0;
}

int dm_uart_add_from_arg(struct dm_vm *vm, const char *arg, GError **error)
{
	const char *comma = arg ? strchr(arg, ',') : NULL;
	struct uart_backend *be;
	int idx = -1;

	(void)vm;
	for (unsigned i = 0; comma && i < HW_NR_COMS; i++) {
		if ((size_t)(comma - arg) == strlen(com_res[i].name) &&
		    !g_ascii_strncasecmp(arg, com_res[i].name, (gsize)(comma - arg)))
			idx = (int)i;
	}
	if (idx < 0) {
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
		            "-l '%s': expected com1,BACKEND or com2,BACKEND", arg ? arg : "");
		return -EINVAL;
	}
	if (coms[idx].be) {
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_EXISTS,
		            "-l '%s': %s is already configured", arg, com_res[idx].name);
		return -EEXIST;
	}
	be = uart_backend_new(comma + 1, error);
	if (!be)
		return -EINVAL;
	coms[idx].be = be;
	coms[idx].present = true;
	return 0;
}

JsonArray *dm_serial_query(struct dm_vm *vm)
{
	JsonArray *a = json_array_new();

	(void)vm;
	for (unsigned i = 0; i < HW_NR_COMS; i++) {
		JsonObject *o;

		if (!coms[i].present)
			continue;
		o = json_object_new();
		json_object_set_string_member(o, "port", com_res[i].name);
		/* COM1 without -l exists, its output dropped: backend "none". */
		json_object_set_string_member(o, "backend",
		                              coms[i].be ? uart_backend_kind(coms[i].be) : "none");
		if (coms[i].be && uart_backend_target(coms[i].be))
			json_object_set_string_member(o, "path", uart_backend_target(coms[i].be));
		json_array_add_object_element(a, o);
	}
	return a;
}

static void com_tx(void *opaque, uint8_t byte)
{
	struct com *c = opaque;

	if (c->be)
		uart_backend_write(c->be, byte);
}

static void com_irq(void *opaque, bool level)
{
	struct com *c = opaque;

	/* ISA interrupts are edge-triggered, active high: the rising edge delivers. */
	dm_vm_set_gsi(c->vm, com_res[c - coms].gsi, level);
}

static const struct uart_ops com_ops = {
	.tx = com_tx,
	.irq = com_irq,
};

static int com_io(struct dm_vm *vm, void *opaque, bool write, uint64_t offset, unsigned size,
                  uint64_t *val)
{
	struct com *c = opaque;
	uint8_t b;
	int ret;

	(void)vm;
	if (size != 1)
		return -EINVAL; /* 8-bit registers only, as on the chip's data bus */
	if (write)
		return uart_write(c->uart, (unsigned)offset, (uint8_t)*val);
	ret = uart_read(c->uart, (unsigned)offset, &b);
	if (!ret)
		*val = b;
	return ret;
}

static void com_reset(struct dm_vm *vm, void *opaque)
{
	struct com *c = opaque;

	(void)vm;
	uart_reset(c->uart);
}

static void com_teardown(struct dm_vm *vm, void *opaque)
{
	struct com *c = opaque;

	(void)vm;
	uart_backend_free(c->be);
	uart_free(c->uart);
	memset(c, 0, sizeof(*c));
}

int hw_uart_init(struct dm_vm *vm, GError **error)
{
	coms[0].present = true;
	for (unsigned i = 0; i < HW_NR_COMS; i++) {
		struct com *c = &coms[i];
		struct dm_io_range r = {
			.name = com_res[i].name,
			.base = com_res[i].port,
			.len = 8,
			.fn = com_io,
			.opaque = c,
		};
		int ret;

		if (!c->present)
			continue;
		c->vm = vm;
		c->uart = uart_new(&com_ops, c);
		ret = dm_io_register_pio(vm, &r);
		if (ret) {
			g_set_error(error, G_IO_ERROR, G_IO_ERROR_EXISTS,
			            "%s: cannot register ports 0x%x-0x%x: %s", r.name,
			            com_res[i].port, com_res[i].port + 7, g_strerror(-ret));
			return ret;
		}
		if (c->be)
			uart_backend_attach(c->be, c->uart);
		dm_vm_add_reset_hook(vm, com_reset, c);
		dm_vm_add_teardown_hook(vm, com_teardown, c);
	}
	return 0;
}
