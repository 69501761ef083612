/* SPDX-License-Identifier: BSD-3-Clause */
/* VM creation, the guest RAM layout and gpa2hva bounds, interrupts, teardown order. */
#include <errno.h>
#include <string.h>

#include <acrn/irq.h>
#include <acrn/memory.h>
#include <dm/vm.h>

#include "../../../dm/core/core.h"
#include "doubles.h"
#include "fake-transport.h"

#define MIB (1ULL << 20)
#define GIB (1ULL << 30)

static void test_create(void)
{
	struct fake_transport *f = fake_transport_new(2);
	struct dm_vm vm;
	GError *err = NULL;

	g_assert_cmpint(dm_vm_create(&vm, &f->t, "vm1", 2, 0x6, &err), ==, 0);
	g_assert_no_error(err);
	g_assert_cmpuint(vm.ncpus, ==, 2);
	g_assert_cmpstr(vm.name, ==, "vm1");
	g_assert_cmpuint(fake_nth(f, "create_vm", 0)->a, ==, 2);   /* vcpu_num asked */
	g_assert_cmpuint(fake_nth(f, "create_vm", 0)->b, ==, 0x6); /* cpu_affinity */
	g_assert_cmpint(dm_vm_state(&vm), ==, DM_VM_CREATED);
	fake_vm_free(&vm, f);

	/* Failures are reported with the transport's reason. */
	f = fake_transport_new(2);
	f->fail_create = EBUSY;
	g_assert_cmpint(dm_vm_create(&vm, &f->t, "vm1", 2, 0, &err), ==, -EBUSY);
	g_assert_nonnull(
	        strstr(err->message, "cannot create VM \"vm1\" through the fake transport"));
	g_clear_error(&err);
	fake_vm_free(&vm, f);
	/* A bad name is refused before the hypervisor is asked. */
	f = fake_transport_new(1);
	g_assert_cmpint(dm_vm_create(&vm, &f->t, "", 1, 0, &err), ==, -EINVAL);
	g_assert_nonnull(strstr(err->message, "1 to 15 characters"));
	g_assert_cmpuint(fake_count(f, "create_vm"), ==, 0);
	g_clear_error(&err);
	f->t.ops->close(&f->t);
	vm.core = NULL;
	fake_vm_free(&vm, f);
}

static void test_layout_small(void)
{
	struct dm_vm vm;
	struct fake_transport *f = fake_vm_new(&vm, 1, 256 * MIB);

	g_assert_cmpuint(vm.lowmem, ==, 256 * MIB);
	g_assert_cmpuint(vm.highmem, ==, 0);
	g_assert_null(vm.ram_high);
	g_assert_cmpuint(fake_count(f, "map_ram"), ==, 1);
	g_assert_cmpuint(fake_nth(f, "map_ram", 0)->a, ==, 0);
	g_assert_cmpuint(fake_nth(f, "map_ram", 0)->b, ==, 256 * MIB);
	g_assert_cmpuint(fake_nth(f, "map_ram", 0)->c, ==, ACRN_MEM_ACCESS_RWX);

	g_assert_true(dm_gpa2hva(&vm, 0, 1) == vm.ram_low);
	g_assert_true(dm_gpa2hva(&vm, 0x1000, 16) == vm.ram_low + 0x1000);
	g_assert_true(dm_gpa2hva(&vm, 256 * MIB - 8, 8) == vm.ram_low + 256 * MIB - 8);
	g_assert_null(dm_gpa2hva(&vm, 256 * MIB - 8, 9)); /* crosses the end */
	g_assert_null(dm_gpa2hva(&vm, 256 * MIB, 1));
	g_assert_null(dm_gpa2hva(&vm, DM_HIGHMEM_BASE, 1));
	g_assert_null(dm_gpa2hva(&vm, UINT64_MAX - 3, 8)); /* wraps */
	fake_vm_free(&vm, f);
}

static void test_layout_large(void)
{
	struct dm_vm vm;
	struct fake_transport *f = fake_vm_new(&vm, 1, 3 * GIB);

	/* 2 GiB low, the rest from 4 GiB: the PCI window and ECAM stay free. */
	g_assert_cmpuint(vm.lowmem, ==, DM_LOWMEM_LIMIT);
	g_assert_cmpuint(vm.highmem, ==, 1 * GIB);
	g_assert_cmpuint(fake_count(f, "map_ram"), ==, 2);
	g_assert_cmpuint(fake_nth(f, "map_ram", 1)->a, ==, DM_HIGHMEM_BASE);
	g_assert_cmpuint(fake_nth(f, "map_ram", 1)->b, ==, 1 * GIB);

	g_assert_true(dm_gpa2hva(&vm, DM_LOWMEM_LIMIT - 4, 4) == vm.ram_low + DM_LOWMEM_LIMIT - 4);
	g_assert_null(dm_gpa2hva(&vm, DM_LOWMEM_LIMIT - 4, 8));
	g_assert_null(dm_gpa2hva(&vm, DM_PCI_MMIO32, 4));
	g_assert_null(dm_gpa2hva(&vm, DM_PCI_ECAM, 4));
	g_assert_null(dm_gpa2hva(&vm, DM_HIGHMEM_BASE - 4, 8)); /* straddles the hole */
	g_assert_true(dm_gpa2hva(&vm, DM_HIGHMEM_BASE, 8) == vm.ram_high);
	g_assert_true(dm_gpa2hva(&vm, DM_HIGHMEM_BASE + GIB - 8, 8) == vm.ram_high + GIB - 8);
	g_assert_null(dm_gpa2hva(&vm, DM_HIGHMEM_BASE + GIB - 8, 9));
	g_assert_null(dm_gpa2hva(&vm, DM_HIGHMEM_BASE + GIB, 1));
	fake_vm_free(&vm, f);
}

static void test_bad_sizes(void)
{
	struct dm_vm vm;
	struct fake_transport *f = fake_vm_new(&vm, 1, 0);
	GError *err = NULL;

	g_assert_cmpint(dm_mem_setup(&vm, 3 * MIB, &err), ==, -EINVAL);
	g_assert_nonnull(strstr(err->message, "multiple of 2 MiB"));
	g_clear_error(&err);
	g_assert_cmpint(dm_mem_setup(&vm, 0, &err), ==, -EINVAL);
	g_clear_error(&err);
	g_assert_cmpint(dm_mem_setup(&vm, DM_PCI_MMIO64, &err), ==, -EINVAL);
	g_clear_error(&err);
	g_assert_cmpuint(fake_count(f, "alloc_ram"), ==, 0);
	fake_vm_free(&vm, f);
}

static void test_interrupts(void)
{
	struct dm_vm vm;
	struct fake_transport *f = fake_vm_new(&vm, 1, 0);

	g_assert_cmpint(dm_vm_set_gsi(&vm, 4, true), ==, 0);
	g_assert_cmpint(dm_vm_set_gsi(&vm, 4, false), ==, 0);
	g_assert_cmpint(dm_vm_pulse_gsi(&vm, 9), ==, 0);
	g_assert_cmpint(dm_vm_inject_msi(&vm, 0xFEE01000, 0x4041), ==, 0);
	g_assert_cmpuint(fake_count(f, "set_irqline"), ==, 3);
	g_assert_cmpuint(fake_nth(f, "set_irqline", 0)->a, ==, 4);
	g_assert_cmpuint(fake_nth(f, "set_irqline", 0)->b, ==, GSI_SET_HIGH);
	g_assert_cmpuint(fake_nth(f, "set_irqline", 1)->b, ==, GSI_SET_LOW);
	g_assert_cmpuint(fake_nth(f, "set_irqline", 2)->a, ==, 9);
	g_assert_cmpuint(fake_nth(f, "set_irqline", 2)->b, ==, GSI_RAISING_PULSE);
	g_assert_cmpuint(fake_nth(f, "inject_msi", 0)->a, ==, 0xFEE01000);
	g_assert_cmpuint(fake_nth(f, "inject_msi", 0)->b, ==, 0x4041);
	fake_vm_free(&vm, f);
}

static GString *order;

static void hook(struct dm_vm *vm, void *opaque)
{
	(void)vm;
	g_string_append(order, opaque);
}

static void test_teardown_order(void)
{
	struct dm_vm vm;
	struct fake_transport *f = fake_vm_new(&vm, 1, 0);

	order = g_string_new("");
	dm_vm_add_teardown_hook(&vm, hook, "a");
	dm_vm_add_teardown_hook(&vm, hook, "b");
	dm_vm_add_teardown_hook(&vm, hook, "c");
	dm_vm_add_reset_hook(&vm, hook, "R"); /* not run at teardown */
	dm_vm_destroy(&vm);
	g_assert_cmpstr(order->str, ==, "cba");
	/* The VM was still alive: it is destroyed before the transport closes. */
	g_assert_cmpint(fake_index(f, "destroy_vm"), <, fake_index(f, "close"));
	g_assert_cmpint(fake_index(f, "destroy_vm"), >=, 0);
	g_string_free(order, TRUE);
	vm.core = NULL;
	fake_vm_free(&vm, f);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	doubles_reset();
	g_test_add_func("/dm-core/vm/create", test_create);
	g_test_add_func("/dm-core/vm/layout-small", test_layout_small);
	g_test_add_func("/dm-core/vm/layout-large", test_layout_large);
	g_test_add_func("/dm-core/vm/bad-sizes", test_bad_sizes);
	g_test_add_func("/dm-core/vm/interrupts", test_interrupts);
	g_test_add_func("/dm-core/vm/teardown-order", test_teardown_order);
	return g_test_run();
}
