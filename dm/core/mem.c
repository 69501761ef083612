/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Guest RAM with the x86 layout of vm.h: up to 2 GiB at 0, the rest at
 * 4 GiB, so the 32-bit PCI window, ECAM and the APICs sit in the gap.
 */
#include <errno.h>
#include <gio/gio.h>
#include <string.h>

#include <acrn/memory.h>
#include <dm/log.h>
#include <dm/transport.h>
#include <dm/vm.h>

#include "core.h"

#define RAM_ALIGN (2ULL << 20)

static int map_block(struct dm_vm *vm, uint64_t gpa, uint64_t size, uint8_t **hva, GError **error)
{
	struct dm_transport *t = vm->t;
	void *p = t->ops->alloc_ram(t, size);
	int ret;

	if (!p) {
		g_set_error(
		        error, G_IO_ERROR, G_IO_ERROR_NO_SPACE,
		        "cannot allocate %llu MiB of guest RAM for 0x%llx through the %s transport",
		        (unsigned long long)(size >> 20), (unsigned long long)gpa, t->ops->name);
		return -ENOMEM;
	}
	ret = t->ops->map_ram(t, gpa, p, size, ACRN_MEM_ACCESS_RWX);
	if (ret) {
		g_set_error(error, G_IO_ERROR, g_io_error_from_errno(-ret),
		            "cannot map guest RAM [0x%llx, 0x%llx): %s", (unsigned long long)gpa,
		            (unsigned long long)(gpa + size), g_strerror(-ret));
		return ret;
	}
	*hva = p;
	return 0;
}

int dm_mem_setup(struct dm_vm *vm, uint64_t size, GError **error)
{
	uint64_t low, high;
	int ret;

	if (size < RAM_ALIGN || size % RAM_ALIGN || size > DM_PCI_MMIO64 - DM_HIGHMEM_BASE) {
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
		            "guest RAM of %llu bytes: must be a non-zero multiple of 2 MiB below "
		            "%llu GiB",
		            (unsigned long long)size,
		            (unsigned long long)((DM_PCI_MMIO64 - DM_HIGHMEM_BASE) >> 30));
		return -EINVAL;
	}
	low = MIN(size, DM_LOWMEM_LIMIT);
	high = size - low;

	ret = map_block(vm, 0, low, &vm->ram_low, error);
	if (ret)
		return ret;
	vm->lowmem = low;
	if (high) {
		ret = map_block(vm, DM_HIGHMEM_BASE, high, &vm->ram_high, error);
		if (ret)
			return ret;
		vm->highmem = high;
	}
	vm->core->ram_mapped = true;
	dm_info("guest RAM: %llu MiB at 0, %llu MiB at 4 GiB", (unsigned long long)(low >> 20),
	        (unsigned long long)(high >> 20));
	return 0;
}

void *dm_gpa2hva(struct dm_vm *vm, uint64_t gpa, size_t len)
{
	uint64_t end;

	if (len == 0)
		len = 1;
	if (__builtin_add_overflow(gpa, (uint64_t)len, &end))
		return NULL;
	if (vm->ram_low && end <= vm->lowmem)
		return vm->ram_low + gpa;
	if (vm->ram_high && gpa >= DM_HIGHMEM_BASE && end - DM_HIGHMEM_BASE <= vm->highmem)
		return vm->ram_high + (gpa - DM_HIGHMEM_BASE);
	return NULL;
}
