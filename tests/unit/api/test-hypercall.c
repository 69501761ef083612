/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * hypercall_dispatch (hv/core/hypercall.c, built hosted) with fake VMs:
 * vms[0] the Service VM, vms[1] pre-launched, vms[2] post-launched. Checks
 * ACRN v3.3's permission rules and HC_GET_API_VERSION's guest-memory bounds.
 */
#include <acrn/hypercall.h>
#include <acrn/memory.h>
#include <glib.h>
#include <hv/errno.h>
#include <hv/hypercall.h>
#include <hv/vm.h>
#include <string.h>

#define RAM_SIZE 0x10000

struct vm vms[MAX_VMS];
unsigned nr_vms;

static struct scenario_vm cfgs[3];
static uint8_t ram[3][RAM_SIZE];

/* Same bounds as hv/core/vm.c; ram_hpa holds the host pointer here. */
void *vm_gpa_to_hva(struct vm *vm, uint64_t gpa, uint64_t len)
{
	if (gpa >= vm->ram_size || len > vm->ram_size - gpa)
		return NULL;
	return (uint8_t *)(uintptr_t)vm->ram_hpa + gpa;
}

static struct vcpu *service, *pre, *post;

static void setup(void)
{
	static const enum vm_load_order order[3] = { LOAD_SERVICE, LOAD_PRE_LAUNCHED,
		                                     LOAD_POST_LAUNCHED };

	memset(vms, 0, sizeof(vms));
	memset(ram, 0xAA, sizeof(ram));
	for (unsigned i = 0; i < 3; i++) {
		cfgs[i] = (struct scenario_vm){ .load_order = order[i] };
		vms[i].id = (vmid_t)i;
		vms[i].cfg = &cfgs[i];
		vms[i].ram_hpa = (paddr_t)(uintptr_t)ram[i];
		vms[i].ram_size = RAM_SIZE;
		vms[i].nr_vcpus = 1;
		vms[i].vcpus[0].vm = &vms[i];
	}
	nr_vms = 3;
	service = &vms[0].vcpus[0];
	pre = &vms[1].vcpus[0];
	post = &vms[2].vcpus[0];
}

static void test_who_may_call(void)
{
	setup();
	g_assert_true(hypercall_vm_allowed(service->vm));
	/* No guest flags in our scenarios: everyone else gets #UD from the arch. */
	g_assert_false(hypercall_vm_allowed(pre->vm));
	g_assert_false(hypercall_vm_allowed(post->vm));
}

static void test_unknown_ids(void)
{
	static const uint64_t bad[] = {
		0,          0xdeadbeef,     0xffffffffffffffffULL,
		0x80000003, 0x80000017,     0x80000050,
		0x80000051, 0x80000052,     0x800000ff,
		0x81000000, 0x180000000ULL, 0x8000000000000010ULL,
		0x00000010,
	};

	setup();
	for (size_t i = 0; i < G_N_ELEMENTS(bad); i++)
		g_assert_cmpint(hypercall_dispatch(service, bad[i], 0, 0), ==, -ENOTTY);
}

/* Service VM calls from another VM: refused, nothing written. */
static void test_service_calls_from_others(void)
{
	static const uint64_t ids[] = { HC_GET_API_VERSION,      HC_CREATE_VM,
		                        HC_DESTROY_VM,           HC_START_VM,
		                        HC_SET_IRQLINE,          HC_SET_IOREQ_BUFFER,
		                        HC_VM_SET_MEMORY_REGIONS };

	setup();
	for (size_t i = 0; i < G_N_ELEMENTS(ids); i++) {
		g_assert_cmpint(hypercall_dispatch(pre, ids[i], 0x100, 0), ==, -ENOTTY);
		g_assert_cmpint(hypercall_dispatch(post, ids[i], 0x100, 0), ==, -ENOTTY);
	}
	g_assert_cmphex(ram[1][0x100], ==, 0xAA);
	g_assert_cmphex(ram[2][0x100], ==, 0xAA);
}

/* Trusty and TEE calls need guest flags, which even the Service VM lacks. */
static void test_flagged_calls(void)
{
	setup();
	g_assert_cmpint(hypercall_dispatch(service, HC_INITIALIZE_TRUSTY, 0, 0), ==, -ENOTTY);
	g_assert_cmpint(hypercall_dispatch(service, HC_WORLD_SWITCH, 0, 0), ==, -ENOTTY);
	g_assert_cmpint(hypercall_dispatch(service, HC_SAVE_RESTORE_SWORLD_CTX, 0, 0), ==, -ENOTTY);
	g_assert_cmpint(hypercall_dispatch(service, HC_TEE_VCPU_BOOT_DONE, 0, 0), ==, -ENOTTY);
	g_assert_cmpint(hypercall_dispatch(service, HC_SWITCH_EE, 0, 0), ==, -ENOTTY);
}

static void test_api_version(void)
{
	struct hc_api_version ver;

	setup();
	g_assert_cmpint(hypercall_dispatch(service, HC_GET_API_VERSION, 0x200, 0), ==, 0);
	memcpy(&ver, &ram[0][0x200], sizeof(ver));
	g_assert_cmpuint(ver.major_version, ==, HV_API_MAJOR_VERSION);
	g_assert_cmpuint(ver.minor_version, ==, HV_API_MINOR_VERSION);
	g_assert_cmphex(ram[0][0x208], ==, 0xAA);

	/* Unaligned and at the very end of RAM: fine. */
	g_assert_cmpint(hypercall_dispatch(service, HC_GET_API_VERSION, RAM_SIZE - 8, 0), ==, 0);
	g_assert_cmpint(hypercall_dispatch(service, HC_GET_API_VERSION, 0x301, 0), ==, 0);
	memcpy(&ver, &ram[0][0x301], sizeof(ver));
	g_assert_cmpuint(ver.major_version, ==, HV_API_MAJOR_VERSION);
}

static void test_api_version_hostile_gpa(void)
{
	static const uint64_t gpas[] = { RAM_SIZE - 7,         RAM_SIZE - 1, RAM_SIZE,
		                         RAM_SIZE + 0x1000,    0xfeb00000,   0xffffffffffffffffULL,
		                         0xfffffffffffffff9ULL };
	uint8_t before[RAM_SIZE];

	setup();
	memcpy(before, ram[0], RAM_SIZE);
	for (size_t i = 0; i < G_N_ELEMENTS(gpas); i++)
		g_assert_cmpint(hypercall_dispatch(service, HC_GET_API_VERSION, gpas[i], 0), ==,
		                -EINVAL);
	g_assert_cmpmem(before, RAM_SIZE, ram[0], RAM_SIZE);
}

/* Per-VM calls: target relative to the Service VM; pre-launched or absent targets refused. */
static void test_targets(void)
{
	struct set_regions regions = { .vmid = 1 };

	setup();
	g_assert_cmpint(hypercall_dispatch(service, HC_START_VM, 1, 0), ==, -ENOTTY);
	g_assert_cmpint(hypercall_dispatch(service, HC_START_VM, 3, 0), ==, -ENOTTY);
	g_assert_cmpint(hypercall_dispatch(service, HC_START_VM, 0xffff, 0), ==, -ENOTTY);
	/* Only the low 16 bits name the VM, as in ACRN. */
	g_assert_cmpint(hypercall_dispatch(service, HC_START_VM, 0x10001, 0), ==, -ENOTTY);
	/* Allowed targets reach the not-yet-written handlers. */
	g_assert_cmpint(hypercall_dispatch(service, HC_START_VM, 2, 0), ==, -ENOSYS);
	g_assert_cmpint(hypercall_dispatch(service, HC_SET_IRQLINE, 2, 0), ==, -ENOSYS);
	g_assert_cmpint(hypercall_dispatch(service, HC_DESTROY_VM, 0, 0), ==, -ENOSYS);
	g_assert_cmpint(hypercall_dispatch(service, HC_CREATE_VM, 0x400, 0), ==, -ENOSYS);

	/* HC_PM_GET_CPU_STATE: the VM id is bits 31:24 of parameter 1. */
	g_assert_cmpint(hypercall_dispatch(service, HC_PM_GET_CPU_STATE, 1u << 24, 0), ==, -ENOTTY);
	g_assert_cmpint(hypercall_dispatch(service, HC_PM_GET_CPU_STATE, 2u << 24 | 1, 0), ==,
	                -ENOSYS);

	/* HC_VM_SET_MEMORY_REGIONS: the VM id is in the structure at parameter 1. */
	memcpy(&ram[0][0x500], &regions, sizeof(regions));
	g_assert_cmpint(hypercall_dispatch(service, HC_VM_SET_MEMORY_REGIONS, 0x500, 0), ==,
	                -ENOTTY);
	regions.vmid = 2;
	memcpy(&ram[0][0x500], &regions, sizeof(regions));
	g_assert_cmpint(hypercall_dispatch(service, HC_VM_SET_MEMORY_REGIONS, 0x500, 0), ==,
	                -ENOSYS);
	g_assert_cmpint(hypercall_dispatch(service, HC_VM_SET_MEMORY_REGIONS, RAM_SIZE - 8, 0), ==,
	                -ENOTTY);
	g_assert_cmpint(hypercall_dispatch(service, HC_VM_SET_MEMORY_REGIONS, ~0ULL, 0), ==,
	                -ENOTTY);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/hypercall/who-may-call", test_who_may_call);
	g_test_add_func("/hypercall/unknown-ids", test_unknown_ids);
	g_test_add_func("/hypercall/service-calls-from-others", test_service_calls_from_others);
	g_test_add_func("/hypercall/flagged-calls", test_flagged_calls);
	g_test_add_func("/hypercall/api-version", test_api_version);
	g_test_add_func("/hypercall/api-version-hostile-gpa", test_api_version_hostile_gpa);
	g_test_add_func("/hypercall/targets", test_targets);
	return g_test_run();
}
