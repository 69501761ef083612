/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * hypercall_dispatch and the Service VM handlers (hv/core/hypercall.c,
 * hc_vm.c, hc_io.c, ioreq.c, vm_mem.c, built hosted) with fake VMs: vms[0]
 * the Service VM, vms[1] pre-launched, vms[2] and vms[3] post-launched
 * slots ("child", "spare"). Checks ACRN v3.3's permission rules and that
 * every handler refuses hostile arguments and wrong states precisely.
 */
#include <acrn/hypercall.h>
#include <acrn/irq.h>
#include <acrn/memory.h>
#include <acrn/sbuf.h>
#include <acrn/vm.h>
#include <arch/npt.h>
#include <glib.h>
#include <hv/errno.h>
#include <hv/hypercall.h>
#include <hv/ioreq.h>
#include <hv/vm.h>
#include <stdlib.h>
#include <string.h>

#define RAM_SIZE    0x10000
#define CHILD_MEM   0x200000 /* the post-launched slots' `memory` */
#define NR_TEST_VMS 4

struct vm vms[MAX_VMS];
unsigned nr_vms;

static struct scenario_vm cfgs[NR_TEST_VMS];
static uint8_t *ram[NR_TEST_VMS];

/* ---- fakes of what the handlers call outside hypercall, hc_*, ioreq and vm_mem ---- */

void cpu_relax(void)
{
}

static paddr_t alloc_table(void *ctx, size_t size)
{
	void *p = aligned_alloc(4096, size);

	(void)ctx;
	g_assert_nonnull(p);
	memset(p, 0, size);
	return (paddr_t)(uintptr_t)p;
}

static void free_table(void *ctx, paddr_t pa, size_t size)
{
	(void)ctx;
	(void)size;
	free((void *)(uintptr_t)pa);
}

static unsigned nr_upcalls, nr_flush_requests;
static uint64_t upcall_vector;

static void fake_upcall(struct vm *service)
{
	(void)service;
	nr_upcalls++;
}

int vm_arch_set_upcall_vector(struct vm *service, uint64_t vector)
{
	(void)service;
	if (vector < 0x20 || vector > 0xff)
		return -EINVAL;
	upcall_vector = vector;
	return 0;
}

int vm_create_post(struct vm *vm, struct vm *service, uint64_t affinity, uint64_t flags)
{
	vm->created = true;
	vm->state = VM_CREATED;
	vm->service = service;
	vm->guest_flags = flags;
	vm->nr_vcpus = (unsigned)__builtin_popcountll(affinity);
	for (unsigned i = 0; i < vm->nr_vcpus; i++) {
		vm->vcpus[i] = (struct vcpu){ .vm = vm, .id = i, .state = VCPU_OFFLINE };
	}
	vm->stage2 = (struct pgtable){ .fmt = &x86_npt_fmt,
		                       .alloc_table = alloc_table,
		                       .free_table = free_table };
	return pgtable_init(&vm->stage2);
}

void vm_destroy(struct vm *vm)
{
	vm_ram_clear(vm, true);
	pgtable_destroy(&vm->stage2);
	vm->created = false;
	vm->state = VM_POWERED_OFF;
	vm->ioreq_page = NULL;
	vm->asyncio_sbuf.hdr = NULL;
	memset(vm->asyncio, 0, sizeof(vm->asyncio));
}

int vm_start(struct vm *vm)
{
	vm->state = VM_RUNNING;
	vm->vcpus_online = 1;
	vm->vcpus[0].state = VCPU_RUNNING;
	return 0;
}

int vm_pause(struct vm *vm)
{
	if (vm->state != VM_RUNNING)
		return -EBUSY;
	vm->state = VM_PAUSED;
	vm->vcpus_online = 0;
	return 0;
}

int vm_resume(struct vm *vm)
{
	if (vm->state != VM_PAUSED)
		return -EBUSY;
	vm->state = VM_RUNNING;
	vm->vcpus_online = 1;
	return 0;
}

int vm_reset_post(struct vm *vm)
{
	vm->state = VM_CREATED;
	return 0;
}

static unsigned nr_set_regs;

int vcpu_arch_set_regs(struct vcpu *v, const struct acrn_regs *regs)
{
	(void)v;
	g_assert_cmphex(regs->rip, ==, 0x100000);
	nr_set_regs++;
	return 0;
}

static int irq_levels[24][4], nr_irq_events[24];

void vm_set_irq_line(struct vm *vm, unsigned line, bool level)
{
	(void)vm;
	g_assert_cmpuint(line, <, 24);
	if (nr_irq_events[line] < 4)
		irq_levels[line][nr_irq_events[line]] = level;
	nr_irq_events[line]++;
}

unsigned vm_arch_nr_irq_lines(struct vm *vm)
{
	(void)vm;
	return 24;
}

static uint64_t msi_addr, msi_data;

int vm_arch_inject_msi(struct vm *vm, uint64_t addr, uint64_t data)
{
	(void)vm;
	msi_addr = addr;
	msi_data = data;
	return 0;
}

/* The x86 rule (hv/arch/x86/vm.c): below 2 GiB, or from 4 GiB to 512 GiB. */
bool vm_arch_ram_range_ok(uint64_t gpa, uint64_t size)
{
	if (!size || gpa + size < gpa)
		return false;
	return gpa + size <= (2ULL << 30) || (gpa >= (4ULL << 30) && gpa + size <= (512ULL << 30));
}

void vcpu_request(struct vcpu *v, uint64_t req)
{
	(void)v;
	if (req & VCPU_REQ_FLUSH)
		nr_flush_requests++;
}

void vcpu_wait_io(struct vcpu *v)
{
	v->state = VCPU_WAIT_IO;
}

bool vcpu_wake_io(struct vcpu *v)
{
	if (v->state != VCPU_WAIT_IO)
		return false;
	v->state = VCPU_RUNNING;
	return true;
}

static struct vcpu *service, *pre, *post;

static void setup(void)
{
	static const enum vm_load_order order[NR_TEST_VMS] = { LOAD_SERVICE, LOAD_PRE_LAUNCHED,
		                                               LOAD_POST_LAUNCHED,
		                                               LOAD_POST_LAUNCHED };
	static const char *const names[NR_TEST_VMS] = { "sos", "pre", "child", "spare" };

	for (unsigned i = 0; i < NR_TEST_VMS; i++) {
		if (vms[i].created && order[i] == LOAD_POST_LAUNCHED)
			vm_destroy(&vms[i]);
	}
	memset(vms, 0, sizeof(vms));
	for (unsigned i = 0; i < NR_TEST_VMS; i++) {
		if (!ram[i])
			ram[i] = aligned_alloc(4096, RAM_SIZE);
		memset(ram[i], 0xAA, RAM_SIZE);
		cfgs[i] = (struct scenario_vm){ .load_order = order[i],
			                        .cpu_affinity = 0x6,
			                        .memory_size = CHILD_MEM };
		strcpy(cfgs[i].name, names[i]);
		vms[i].id = (vmid_t)i;
		vms[i].cfg = &cfgs[i];
		vms[i].vcpus[0].vm = &vms[i];
		if (order[i] == LOAD_POST_LAUNCHED) {
			vms[i].state = VM_POWERED_OFF;
			continue;
		}
		vms[i].created = true;
		vms[i].ram_hpa = (paddr_t)(uintptr_t)ram[i];
		vms[i].ram_size = RAM_SIZE;
		vms[i].nr_vcpus = 1;
		vms[i].vcpus[0].vm = &vms[i];
	}
	vms[0].upcall = fake_upcall;
	nr_vms = NR_TEST_VMS;
	nr_upcalls = nr_flush_requests = 0;
	memset(nr_irq_events, 0, sizeof(nr_irq_events));
	service = &vms[0].vcpus[0];
	pre = &vms[1].vcpus[0];
	post = &vms[2].vcpus[0];
}

/* Service VM RAM as the hypercalls see it. */
static void put(uint64_t gpa, const void *src, size_t len)
{
	g_assert_cmpuint(gpa + len, <=, RAM_SIZE);
	memcpy(ram[0] + gpa, src, len);
}

static void get(uint64_t gpa, void *dst, size_t len)
{
	memcpy(dst, ram[0] + gpa, len);
}

static int64_t hc(uint64_t id, uint64_t p1, uint64_t p2)
{
	return hypercall_dispatch(service, id, p1, p2);
}

static int64_t create(const char *name, uint64_t affinity, uint16_t *vmid)
{
	struct acrn_vm_creation cv = { .cpu_affinity = affinity };
	int64_t ret;

	memcpy(cv.name, name, MIN(strlen(name), sizeof(cv.name)));
	put(0x100, &cv, sizeof(cv));
	ret = hc(HC_CREATE_VM, 0x100, 0);
	get(0x100, &cv, sizeof(cv));
	if (vmid)
		*vmid = cv.vmid;
	return ret;
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
	g_assert_cmpint(hc(HC_START_VM, 1, 0), ==, -ENOTTY);
	g_assert_cmpint(hc(HC_START_VM, 4, 0), ==, -ENOTTY);
	g_assert_cmpint(hc(HC_START_VM, 0xffff, 0), ==, -ENOTTY);
	/* Only the low 16 bits name the VM, as in ACRN. */
	g_assert_cmpint(hc(HC_START_VM, 0x10001, 0), ==, -ENOTTY);
	/* A post-launched slot nobody created, and the Service VM itself: -EINVAL. */
	g_assert_cmpint(hc(HC_START_VM, 2, 0), ==, -EINVAL);
	g_assert_cmpint(hc(HC_SET_IRQLINE, 2, 0), ==, -EINVAL);
	g_assert_cmpint(hc(HC_DESTROY_VM, 0, 0), ==, -EINVAL);
	g_assert_cmpint(hc(HC_PAUSE_VM, 0, 0), ==, -EINVAL);
	g_assert_cmpint(hc(HC_CREATE_VM, RAM_SIZE - 8, 0), ==, -EINVAL);

	/* HC_PM_GET_CPU_STATE: the VM id is bits 31:24 of parameter 1. */
	g_assert_cmpint(hc(HC_PM_GET_CPU_STATE, 1u << 24, 0), ==, -ENOTTY);
	g_assert_cmpint(hc(HC_PM_GET_CPU_STATE, 2u << 24 | 1, 0), ==, -EINVAL);

	/* HC_VM_SET_MEMORY_REGIONS: the VM id is in the structure at parameter 1. */
	put(0x500, &regions, sizeof(regions));
	g_assert_cmpint(hc(HC_VM_SET_MEMORY_REGIONS, 0x500, 0), ==, -ENOTTY);
	regions.vmid = 2;
	put(0x500, &regions, sizeof(regions));
	g_assert_cmpint(hc(HC_VM_SET_MEMORY_REGIONS, 0x500, 0), ==, -EINVAL);
	g_assert_cmpint(hc(HC_VM_SET_MEMORY_REGIONS, RAM_SIZE - 8, 0), ==, -ENOTTY);
	g_assert_cmpint(hc(HC_VM_SET_MEMORY_REGIONS, ~0ULL, 0), ==, -ENOTTY);

	/* Created, a post-launched VM is a target; unsupported calls say so. */
	g_assert_cmpint(create("child", 0, NULL), ==, 0);
	g_assert_cmpint(hc(HC_PM_GET_CPU_STATE, 2u << 24 | 1, 0), ==, -ENOSYS);
	g_assert_cmpint(hc(HC_ASSIGN_PCIDEV, 2, 0), ==, -ENOSYS);
	g_assert_cmpint(hc(HC_CREATE_VCPU, 2, 0), ==, 0);
}

static void test_create_vm(void)
{
	struct acrn_vm_creation cv = { 0 };
	uint16_t id;

	setup();
	/* Names: NUL within 16 bytes, not empty. */
	memset(cv.name, 'x', sizeof(cv.name));
	put(0x100, &cv, sizeof(cv));
	g_assert_cmpint(hc(HC_CREATE_VM, 0x100, 0), ==, -EINVAL);
	g_assert_cmpint(create("", 0, NULL), ==, -EINVAL);
	/* Affinity: a subset of the slot's pCPUs (1 and 2). */
	g_assert_cmpint(create("child", 0x1, NULL), ==, -EINVAL);
	g_assert_cmpint(create("child", 0x7, NULL), ==, -EINVAL);
	g_assert_false(vms[2].created);

	/* By name: the slot of that name; relative id and vCPU count come back. */
	g_assert_cmpint(create("child", 0x4, &id), ==, 0);
	get(0x100, &cv, sizeof(cv));
	g_assert_cmpuint(id, ==, 2);
	g_assert_cmpuint(cv.vcpu_num, ==, 1);
	g_assert_true(vms[2].created);
	g_assert_cmpint(create("child", 0, NULL), ==, -EBUSY);
	/* Another name: the first free POST_LAUNCHED slot; 0 = all the slot's pCPUs. */
	g_assert_cmpint(create("other", 0, &id), ==, 0);
	get(0x100, &cv, sizeof(cv));
	g_assert_cmpuint(id, ==, 3);
	g_assert_cmpuint(cv.vcpu_num, ==, 2);
	g_assert_cmpint(create("third", 0, NULL), ==, -ENOSPC);
	/* Only the device model's flags are taken. */
	g_assert_cmpint(hc(HC_DESTROY_VM, 2, 0), ==, 0);
	cv = (struct acrn_vm_creation){ .vm_flag = ~0ULL };
	strcpy((char *)cv.name, "child");
	put(0x100, &cv, sizeof(cv));
	g_assert_cmpint(hc(HC_CREATE_VM, 0x100, 0), ==, 0);
	g_assert_cmphex(vms[2].guest_flags, ==, GUEST_FLAG_IO_COMPLETION_POLLING);
}

static void set_ioreq_page(uint64_t ptr_gpa, uint64_t page_gpa, int64_t want)
{
	put(ptr_gpa, &page_gpa, sizeof(page_gpa));
	g_assert_cmpint(hc(HC_SET_IOREQ_BUFFER, 2, ptr_gpa), ==, want);
}

static void test_lifecycle(void)
{
	setup();
	g_assert_cmpint(create("child", 0, NULL), ==, 0);
	/* START needs the ioreq page. */
	g_assert_cmpint(hc(HC_START_VM, 2, 0), ==, -EINVAL);
	set_ioreq_page(0x80, 0x1001, -EINVAL);   /* unaligned */
	set_ioreq_page(0x80, RAM_SIZE, -EINVAL); /* outside the Service VM */
	set_ioreq_page(0x80, 0xfffffffffffff000, -EINVAL);
	g_assert_cmpint(hc(HC_SET_IOREQ_BUFFER, 2, RAM_SIZE - 4), ==, -EINVAL);
	g_assert_null(vms[2].ioreq_page);
	set_ioreq_page(0x80, 0x8000, 0);
	g_assert_true((void *)vms[2].ioreq_page == (void *)(ram[0] + 0x8000));
	g_assert_cmpuint(vms[2].ioreq_page->req_slot[5].processed, ==, ACRN_IOREQ_STATE_FREE);
	/* Reset or destroy need it stopped. */
	g_assert_cmpint(hc(HC_RESET_VM, 2, 0), ==, -EBUSY);
	g_assert_cmpint(hc(HC_START_VM, 2, 0), ==, 0);
	g_assert_cmpint(hc(HC_START_VM, 2, 0), ==, -EBUSY);
	g_assert_cmpint(hc(HC_DESTROY_VM, 2, 0), ==, -EBUSY);
	g_assert_cmpint(hc(HC_RESET_VM, 2, 0), ==, -EBUSY);
	set_ioreq_page(0x80, 0x9000, -EBUSY);
	g_assert_cmpint(hc(HC_PAUSE_VM, 2, 0), ==, 0);
	g_assert_cmpint(vms[2].state, ==, VM_PAUSED);
	g_assert_cmpint(hc(HC_PAUSE_VM, 2, 0), ==, 0);
	/* Paused: its ioreq page holds what the vCPUs wait for. */
	set_ioreq_page(0x80, 0x9000, -EBUSY);
	/* Our extension: START_VM resumes a paused VM (ACRN refuses it). */
	g_assert_cmpint(hc(HC_START_VM, 2, 0), ==, 0);
	g_assert_cmpint(vms[2].state, ==, VM_RUNNING);
	g_assert_cmpint(hc(HC_DESTROY_VM, 2, 0), ==, -EBUSY);
	g_assert_cmpint(hc(HC_PAUSE_VM, 2, 0), ==, 0);
	g_assert_cmpint(hc(HC_RESET_VM, 2, 0), ==, 0);
	g_assert_cmpint(vms[2].state, ==, VM_CREATED);
	g_assert_cmpint(hc(HC_RESET_VM, 2, 0), ==, -EBUSY);
	g_assert_cmpint(hc(HC_DESTROY_VM, 2, 0), ==, 0);
	g_assert_false(vms[2].created);
	/* Gone: every per-VM call is refused. */
	g_assert_cmpint(hc(HC_START_VM, 2, 0), ==, -EINVAL);
	g_assert_cmpint(hc(HC_DESTROY_VM, 2, 0), ==, -EINVAL);
	g_assert_cmpint(hc(HC_NOTIFY_REQUEST_FINISH, 2, 0), ==, -EINVAL);
	/* The slot is free again. */
	g_assert_cmpint(create("child", 0, NULL), ==, 0);
}

static void test_set_vcpu_regs(void)
{
	struct acrn_vcpu_regs r = { .vcpu_regs = { .rip = 0x100000 } };

	setup();
	g_assert_cmpint(create("child", 0, NULL), ==, 0);
	nr_set_regs = 0;
	r.vcpu_id = 2;
	put(0x200, &r, sizeof(r));
	g_assert_cmpint(hc(HC_SET_VCPU_REGS, 2, 0x200), ==, -EINVAL);
	r.vcpu_id = 0;
	r.reserved[1] = 1;
	put(0x200, &r, sizeof(r));
	g_assert_cmpint(hc(HC_SET_VCPU_REGS, 2, 0x200), ==, -EINVAL);
	g_assert_cmpint(hc(HC_SET_VCPU_REGS, 2, RAM_SIZE - 16), ==, -EINVAL);
	g_assert_cmpuint(nr_set_regs, ==, 0);
	r.reserved[1] = 0;
	put(0x200, &r, sizeof(r));
	g_assert_cmpint(hc(HC_SET_VCPU_REGS, 2, 0x200), ==, 0);
	g_assert_cmpuint(nr_set_regs, ==, 1);
	set_ioreq_page(0x80, 0x8000, 0);
	g_assert_cmpint(hc(HC_START_VM, 2, 0), ==, 0);
	g_assert_cmpint(hc(HC_SET_VCPU_REGS, 2, 0x200), ==, -EBUSY);
}

static int64_t regions(const struct vm_memory_region *mr, unsigned n)
{
	struct set_regions sr = { .vmid = 2, .mr_num = n, .regions_gpa = 0x1000 };

	put(0x1000, mr, n * sizeof(*mr));
	put(0x500, &sr, sizeof(sr));
	return hc(HC_VM_SET_MEMORY_REGIONS, 0x500, 0);
}

static int64_t one_region(uint32_t type, uint64_t gpa, uint64_t sgpa, uint64_t size, uint32_t prot)
{
	struct vm_memory_region mr = {
		.type = type, .prot = prot, .gpa = gpa, .service_vm_gpa = sgpa, .size = size
	};

	return regions(&mr, 1);
}

#define RWX (ACRN_MEM_ACCESS_RWX | ACRN_MEM_TYPE_WB)

static void test_memory_regions(void)
{
	struct set_regions sr = { .vmid = 2, .mr_num = ACRN_MEMORY_REGIONS_MAX + 1 };
	struct vm_memory_region two[2] = {
		{ .type = MR_ADD,
		  .prot = RWX,
		  .gpa = 0x10000,
		  .service_vm_gpa = 0x2000,
		  .size = 0x1000 },
		{ .type = MR_ADD,
		  .prot = RWX,
		  .gpa = 0x11000,
		  .service_vm_gpa = 0x3000,
		  .size = 0x2000 },
	};
	struct vm *child = &vms[2];
	struct vm_gpa2hpa g;

	setup();
	g_assert_cmpint(create("child", 0, NULL), ==, 0);
	/* The batch itself: too many entries, or an array outside the Service VM. */
	put(0x500, &sr, sizeof(sr));
	g_assert_cmpint(hc(HC_VM_SET_MEMORY_REGIONS, 0x500, 0), ==, -EINVAL);
	sr = (struct set_regions){ .vmid = 2, .mr_num = 2, .regions_gpa = RAM_SIZE - 24 };
	put(0x500, &sr, sizeof(sr));
	g_assert_cmpint(hc(HC_VM_SET_MEMORY_REGIONS, 0x500, 0), ==, -EINVAL);

	/* Hostile entries, none of which maps anything. */
	g_assert_cmpint(one_region(1, 0, 0x2000, 0x1000, RWX), ==, -EINVAL);         /* type */
	g_assert_cmpint(one_region(MR_ADD, 0, 0x2000, 0x1000, 0x8000), ==, -EINVAL); /* prot */
	g_assert_cmpint(one_region(MR_ADD, 0, 0x2000, 0x1000, ACRN_MEM_TYPE_WB), ==, -EINVAL);
	g_assert_cmpint(one_region(MR_ADD, 0, 0x2000, 0, RWX), ==, -EINVAL);
	g_assert_cmpint(one_region(MR_ADD, 0x800, 0x2000, 0x1000, RWX), ==, -EINVAL);
	g_assert_cmpint(one_region(MR_ADD, 0, 0x2800, 0x1000, RWX), ==, -EINVAL);
	/* Not wholly Service VM RAM: past its end, straddling it, wrapping. */
	g_assert_cmpint(one_region(MR_ADD, 0, RAM_SIZE, 0x1000, RWX), ==, -EINVAL);
	g_assert_cmpint(one_region(MR_ADD, 0, RAM_SIZE - 0x1000, 0x2000, RWX), ==, -EINVAL);
	g_assert_cmpint(one_region(MR_ADD, 0, ~0xfffULL, 0x2000, RWX), ==, -EINVAL);
	/* Guest side: the 2-4 GiB hole with the emulated pages, beyond 512 GiB, wrapping. */
	g_assert_cmpint(one_region(MR_ADD, 0xfee00000, 0x2000, 0x1000, RWX), ==, -EINVAL);
	g_assert_cmpint(one_region(MR_ADD, 0x7ffff000, 0x2000, 0x2000, RWX), ==, -EINVAL);
	g_assert_cmpint(one_region(MR_ADD, 512ULL << 30, 0x2000, 0x1000, RWX), ==, -EINVAL);
	g_assert_cmpint(one_region(MR_ADD, ~0xfffULL, 0x2000, 0x2000, RWX), ==, -EINVAL);
	g_assert_cmpuint(child->nr_ram, ==, 0);

	/* Two adjacent blocks merge; the guest sees Service VM memory. */
	g_assert_cmpint(regions(two, 2), ==, 0);
	g_assert_cmpuint(child->nr_ram, ==, 1);
	g_assert_true(vm_gpa_to_hva(child, 0x10000, 0x3000) == ram[0] + 0x2000);
	g_assert_true(vm_gpa_to_hva(child, 0x12fff, 1) == ram[0] + 0x4fff);
	g_assert_null(vm_gpa_to_hva(child, 0x12fff, 2));
	g_assert_null(vm_gpa_to_hva(child, 0xffff, 1));
	/* Overlaps are refused, also partial ones. */
	g_assert_cmpint(one_region(MR_ADD, 0x12000, 0x8000, 0x2000, RWX), ==, -EEXIST);
	g_assert_cmpint(one_region(MR_ADD, 0xf000, 0x8000, 0x2000, RWX), ==, -EEXIST);
	/* High RAM from 4 GiB is fine. */
	g_assert_cmpint(one_region(MR_ADD, 4ULL << 30, 0x8000, 0x1000, RWX), ==, 0);
	g_assert_true(vm_gpa_to_hva(child, (4ULL << 30) + 8, 8) == ram[0] + 0x8008);
	/* No more than the slot's `memory` in total. */
	cfgs[2].memory_size = 0x5000;
	g_assert_cmpint(one_region(MR_ADD, 0x100000, 0x8000, 0x2000, RWX), ==, -ENOMEM);
	cfgs[2].memory_size = CHILD_MEM;
	g_assert_cmpuint(child->ram_total, ==, 0x4000);

	/* GPA2HPA: mapped gives the host address, unmapped ACRN_INVALID_HPA. */
	g = (struct vm_gpa2hpa){ .gpa = 0x11008 };
	put(0x600, &g, sizeof(g));
	g_assert_cmpint(hc(HC_VM_GPA2HPA, 2, 0x600), ==, 0);
	get(0x600, &g, sizeof(g));
	g_assert_cmphex(g.hpa, ==, (uintptr_t)ram[0] + 0x3008);
	g = (struct vm_gpa2hpa){ .gpa = 0x20000 };
	put(0x600, &g, sizeof(g));
	g_assert_cmpint(hc(HC_VM_GPA2HPA, 2, 0x600), ==, -EINVAL);
	get(0x600, &g, sizeof(g));
	g_assert_cmphex(g.hpa, ==, ACRN_INVALID_HPA);
	g_assert_cmpint(hc(HC_VM_GPA2HPA, 2, RAM_SIZE), ==, -EINVAL);

	/* DEL: inside one block (here its middle, which splits it), else -ENOENT. */
	g_assert_cmpint(one_region(MR_DEL, 0x20000, 0, 0x1000, 0), ==, -ENOENT);
	g_assert_cmpint(one_region(MR_DEL, 0xf000, 0, 0x2000, 0), ==, -ENOENT);
	g_assert_cmpint(one_region(MR_DEL, 0x11000, 0, 0x800, 0), ==, -EINVAL);
	nr_flush_requests = 0;
	g_assert_cmpint(one_region(MR_DEL, 0x11000, 0, 0x1000, 0), ==, 0);
	g_assert_cmpuint(nr_flush_requests, >=, 1);
	g_assert_null(vm_gpa_to_hva(child, 0x11000, 1));
	g_assert_true(vm_gpa_to_hva(child, 0x10000, 0x1000) == ram[0] + 0x2000);
	g_assert_true(vm_gpa_to_hva(child, 0x12000, 0x1000) == ram[0] + 0x4000);
	g_assert_cmpuint(child->ram_total, ==, 0x3000);
	/* The tables follow the list. */
	g_assert_cmpint(pgtable_translate(&child->stage2, 0x11000, NULL, NULL), ==, -ENOENT);
	g_assert_cmpint(pgtable_translate(&child->stage2, 0x12000, NULL, NULL), ==, 0);

	/* MODIFY: rights must be valid and the range mapped. */
	g_assert_cmpint(one_region(MR_MODIFY, 0x10000, 0, 0x1000, 0), ==, -EINVAL);
	g_assert_cmpint(one_region(MR_MODIFY, 0x11000, 0, 0x1000, RWX), ==, -ENOENT);
	g_assert_cmpint(one_region(MR_MODIFY, 0x10000, 0, 0x1000, ACRN_MEM_ACCESS_READ), ==, 0);

	/* A bad entry stops the batch; earlier ones stay. */
	two[0] = (struct vm_memory_region){ .type = MR_ADD,
		                            .prot = RWX,
		                            .gpa = 0x40000,
		                            .service_vm_gpa = 0x9000,
		                            .size = 0x1000 };
	two[1].type = 7;
	g_assert_cmpint(regions(two, 2), ==, -EINVAL);
	g_assert_nonnull(vm_gpa_to_hva(child, 0x40000, 1));

	/* The block list is bounded: scattered pages fill it, then -ENOSPC; nothing half-done. */
	g_assert_cmpint(hc(HC_DESTROY_VM, 2, 0), ==, 0);
	g_assert_cmpint(create("child", 0, NULL), ==, 0);
	for (unsigned i = 0; i < VM_MAX_RAM_REGIONS; i++)
		g_assert_cmpint(one_region(MR_ADD, 0x100000 + i * 0x2000, 0x2000, 0x1000, RWX), ==,
		                0);
	g_assert_cmpuint(child->nr_ram, ==, VM_MAX_RAM_REGIONS);
	g_assert_cmpint(one_region(MR_ADD, 0x800000, 0x2000, 0x1000, RWX), ==, -ENOSPC);
	g_assert_null(vm_gpa_to_hva(child, 0x800000, 1));
	g_assert_cmpint(pgtable_translate(&child->stage2, 0x800000, NULL, NULL), ==, -ENOENT);
	/* An adjacent page merges into its block: no new entry needed. */
	g_assert_cmpint(one_region(MR_ADD, 0x101000, 0x3000, 0x1000, RWX), ==, 0);
	g_assert_cmpuint(child->nr_ram, ==, VM_MAX_RAM_REGIONS);
	g_assert_true(vm_gpa_to_hva(child, 0x100000, 0x2000) == ram[0] + 0x2000);

	/* Destroy zeroes the guest's memory (Service VM pages) and unmaps it. */
	memset(ram[0] + 0x2000, 0x5A, 0x1000);
	g_assert_cmpint(hc(HC_DESTROY_VM, 2, 0), ==, 0);
	g_assert_cmphex(ram[0][0x2000], ==, 0);
	g_assert_cmphex(ram[0][0x2fff], ==, 0);
	g_assert_cmphex(ram[0][0x5000], ==, 0xAA);
}

static struct acrn_io_request *slot(unsigned vcpu)
{
	return &vms[2].ioreq_page->req_slot[vcpu];
}

static void start_child(uint64_t affinity)
{
	g_assert_cmpint(create("child", affinity, NULL), ==, 0);
	set_ioreq_page(0x80, 0x8000, 0);
	g_assert_cmpint(hc(HC_START_VM, 2, 0), ==, 0);
}

static void test_ioreq(void)
{
	struct vcpu *v;
	uint64_t val;

	setup();
	start_child(0);
	v = &vms[2].vcpus[1];
	v->state = VCPU_RUNNING;
	/* Nothing outstanding: nothing to finish. */
	g_assert_cmpint(hc(HC_NOTIFY_REQUEST_FINISH, 2, 1), ==, -EINVAL);
	g_assert_cmpint(hc(HC_NOTIFY_REQUEST_FINISH, 2, 2), ==, -EINVAL);
	g_assert_cmpint(hc(HC_NOTIFY_REQUEST_FINISH, 2, 1ULL << 32), ==, -EINVAL);
	g_assert_true(ioreq_ready(v));
	g_assert_cmpint(ioreq_finish(v, &val), ==, -EAGAIN);

	/* A 2-byte port read: slot filled, PENDING, upcall, vCPU asleep. */
	g_assert_cmpint(ioreq_send(v, ACRN_IOREQ_TYPE_PORTIO, false, 0x1234, 2, 0), ==, 0);
	g_assert_cmpuint(slot(1)->type, ==, ACRN_IOREQ_TYPE_PORTIO);
	g_assert_cmpuint(slot(1)->reqs.pio_request.direction, ==, ACRN_IOREQ_DIR_READ);
	g_assert_cmpuint(slot(1)->reqs.pio_request.address, ==, 0x1234);
	g_assert_cmpuint(slot(1)->reqs.pio_request.size, ==, 2);
	g_assert_cmpuint(slot(1)->processed, ==, ACRN_IOREQ_STATE_PENDING);
	g_assert_cmpuint(slot(1)->completion_polling, ==, 0);
	g_assert_cmpuint(nr_upcalls, ==, 1);
	g_assert_cmpint(v->state, ==, VCPU_WAIT_IO);
	g_assert_false(ioreq_ready(v));
	g_assert_cmpint(ioreq_send(v, ACRN_IOREQ_TYPE_PORTIO, false, 0x1234, 2, 0), ==, -EBUSY);
	/* Finishing before the Service VM completed the slot is refused. */
	g_assert_cmpint(hc(HC_NOTIFY_REQUEST_FINISH, 2, 1), ==, -EINVAL);
	slot(1)->processed = ACRN_IOREQ_STATE_PROCESSING;
	g_assert_cmpint(hc(HC_NOTIFY_REQUEST_FINISH, 2, 1), ==, -EINVAL);
	g_assert_cmpint(v->state, ==, VCPU_WAIT_IO);
	slot(1)->reqs.pio_request.value = 0xdeadbeef;
	slot(1)->processed = ACRN_IOREQ_STATE_COMPLETE;
	g_assert_cmpint(hc(HC_NOTIFY_REQUEST_FINISH, 2, 1), ==, 0);
	g_assert_cmpint(v->state, ==, VCPU_RUNNING);
	/* Twice is once too many. */
	g_assert_cmpint(hc(HC_NOTIFY_REQUEST_FINISH, 2, 1), ==, -EINVAL);
	g_assert_true(ioreq_ready(v));
	/* The value is cut to the access size; the slot is FREE again. */
	g_assert_cmpint(ioreq_finish(v, &val), ==, 0);
	g_assert_cmphex(val, ==, 0xbeef);
	g_assert_cmpuint(slot(1)->processed, ==, ACRN_IOREQ_STATE_FREE);
	g_assert_false(v->ioreq.pending);

	/* An 8-byte MMIO write. */
	g_assert_cmpint(
	        ioreq_send(v, ACRN_IOREQ_TYPE_MMIO, true, 0xe0000000, 8, 0x1122334455667788), ==,
	        0);
	g_assert_cmpuint(slot(1)->type, ==, ACRN_IOREQ_TYPE_MMIO);
	g_assert_cmpuint(slot(1)->reqs.mmio_request.direction, ==, ACRN_IOREQ_DIR_WRITE);
	g_assert_cmphex(slot(1)->reqs.mmio_request.value, ==, 0x1122334455667788);
	slot(1)->reqs.mmio_request.value = 0; /* the Service VM cannot change what was written */
	slot(1)->processed = ACRN_IOREQ_STATE_COMPLETE;
	g_assert_cmpint(hc(HC_NOTIFY_REQUEST_FINISH, 2, 1), ==, 0);
	g_assert_cmpint(ioreq_finish(v, &val), ==, 0);
	g_assert_cmphex(val, ==, 0x1122334455667788);

	/* No ioreq page: nothing is sent. */
	vms[2].ioreq_page = NULL;
	g_assert_cmpint(ioreq_send(v, ACRN_IOREQ_TYPE_MMIO, false, 0xe0000000, 4, 0), ==, -ENODEV);
}

static void test_ioreq_polling(void)
{
	struct acrn_vm_creation cv = { .vm_flag = GUEST_FLAG_IO_COMPLETION_POLLING };
	struct vcpu *v;
	uint64_t val;

	setup();
	strcpy((char *)cv.name, "child");
	put(0x100, &cv, sizeof(cv));
	g_assert_cmpint(hc(HC_CREATE_VM, 0x100, 0), ==, 0);
	set_ioreq_page(0x80, 0x8000, 0);
	g_assert_cmpint(hc(HC_START_VM, 2, 0), ==, 0);
	v = &vms[2].vcpus[0];
	g_assert_cmpint(ioreq_send(v, ACRN_IOREQ_TYPE_PORTIO, false, 0x60, 1, 0), ==, 0);
	/* The vCPU does not sleep; it sees COMPLETE by itself. */
	g_assert_cmpint(v->state, ==, VCPU_RUNNING);
	g_assert_cmpuint(slot(0)->completion_polling, ==, 1);
	g_assert_false(ioreq_ready(v));
	slot(0)->reqs.pio_request.value = 0x1ff;
	slot(0)->processed = ACRN_IOREQ_STATE_COMPLETE;
	g_assert_true(ioreq_ready(v));
	g_assert_cmpint(ioreq_finish(v, &val), ==, 0);
	g_assert_cmphex(val, ==, 0xff);
}

static void test_irqline_msi(void)
{
	struct acrn_msi_entry msi = { .msi_addr = 0xfee01000, .msi_data = 0x45 };

	setup();
	g_assert_cmpint(create("child", 0, NULL), ==, 0);
	g_assert_cmpint(hc(HC_SET_IRQLINE, 2, ACRN_IRQLINE_PARAM(24, GSI_SET_HIGH)), ==, -EINVAL);
	g_assert_cmpint(hc(HC_SET_IRQLINE, 2, ACRN_IRQLINE_PARAM(~0u, GSI_SET_HIGH)), ==, -EINVAL);
	g_assert_cmpint(hc(HC_SET_IRQLINE, 2, ACRN_IRQLINE_PARAM(5, 4)), ==, -EINVAL);
	g_assert_cmpint(nr_irq_events[5], ==, 0);
	g_assert_cmpint(hc(HC_SET_IRQLINE, 2, ACRN_IRQLINE_PARAM(5, GSI_RAISING_PULSE)), ==, 0);
	g_assert_cmpint(hc(HC_SET_IRQLINE, 2, ACRN_IRQLINE_PARAM(5, GSI_SET_LOW)), ==, 0);
	g_assert_cmpint(nr_irq_events[5], ==, 3);
	g_assert_cmpint(irq_levels[5][0], ==, 1);
	g_assert_cmpint(irq_levels[5][1], ==, 0);
	g_assert_cmpint(irq_levels[5][2], ==, 0);
	g_assert_cmpint(hc(HC_SET_IRQLINE, 2, ACRN_IRQLINE_PARAM(23, GSI_FALLING_PULSE)), ==, 0);
	g_assert_cmpint(irq_levels[23][0], ==, 0);
	g_assert_cmpint(irq_levels[23][1], ==, 1);

	put(0x700, &msi, sizeof(msi));
	g_assert_cmpint(hc(HC_INJECT_MSI, 2, RAM_SIZE - 8), ==, -EINVAL);
	/* Not started: nobody to take it. */
	g_assert_cmpint(hc(HC_INJECT_MSI, 2, 0x700), ==, -EBUSY);
	set_ioreq_page(0x80, 0x8000, 0);
	g_assert_cmpint(hc(HC_START_VM, 2, 0), ==, 0);
	g_assert_cmpint(hc(HC_INJECT_MSI, 2, 0x700), ==, 0);
	g_assert_cmphex(msi_addr, ==, 0xfee01000);
	g_assert_cmphex(msi_data, ==, 0x45);
	/* Paused: it waits in the vLAPIC for the resume. */
	g_assert_cmpint(hc(HC_PAUSE_VM, 2, 0), ==, 0);
	msi.msi_data = 0x46;
	put(0x700, &msi, sizeof(msi));
	g_assert_cmpint(hc(HC_INJECT_MSI, 2, 0x700), ==, 0);
	g_assert_cmphex(msi_data, ==, 0x46);
	g_assert_cmpint(hc(HC_RESET_VM, 2, 0), ==, 0);
	g_assert_cmpint(hc(HC_INJECT_MSI, 2, 0x700), ==, -EBUSY);
}

static int64_t asyncio(uint64_t id, uint32_t type, uint64_t addr, uint32_t match, uint64_t data,
                       uint64_t fd)
{
	struct acrn_asyncio_info a = {
		.type = type, .match_data = match, .addr = addr, .data = data, .fd = fd
	};

	put(0x300, &a, sizeof(a));
	return hc(id, 2, 0x300);
}

static int64_t sbuf(uint32_t id, uint64_t gpa)
{
	struct acrn_sbuf_param p = { .sbuf_id = id, .gpa = gpa };

	put(0x340, &p, sizeof(p));
	return hc(HC_SETUP_SBUF, 2, 0x340);
}

static void put_ring(uint64_t gpa, uint32_t ele_num, uint32_t ele_size, uint64_t magic)
{
	struct shared_buf h = {
		.magic = magic, .ele_num = ele_num, .ele_size = ele_size, .size = ele_num * ele_size
	};

	put(gpa, &h, sizeof(h));
}

static void test_asyncio(void)
{
	struct vcpu *v;
	struct shared_buf *ring = (struct shared_buf *)(void *)(ram[0] + 0xa000);
	uint64_t *elems = (uint64_t *)(void *)(ram[0] + 0xa000 + 64);

	setup();
	start_child(0);
	v = &vms[2].vcpus[0];
	/* Registrations: type, port range, match flag; duplicates; unknown. */
	g_assert_cmpint(asyncio(HC_ASYNCIO_ASSIGN, 3, 0x100, 0, 0, 1), ==, -EINVAL);
	g_assert_cmpint(asyncio(HC_ASYNCIO_ASSIGN, ACRN_ASYNCIO_PIO, 0x10000, 0, 0, 1), ==,
	                -EINVAL);
	g_assert_cmpint(asyncio(HC_ASYNCIO_ASSIGN, ACRN_ASYNCIO_PIO, 0x100, 2, 0, 1), ==, -EINVAL);
	g_assert_cmpint(hc(HC_ASYNCIO_ASSIGN, 2, RAM_SIZE - 8), ==, -EINVAL);
	g_assert_cmpint(asyncio(HC_ASYNCIO_ASSIGN, ACRN_ASYNCIO_MMIO, 0xe0001000, 0, 0, 0x11), ==,
	                0);
	g_assert_cmpint(asyncio(HC_ASYNCIO_ASSIGN, ACRN_ASYNCIO_MMIO, 0xe0001000, 0, 0, 0x12), ==,
	                -EEXIST);
	g_assert_cmpint(asyncio(HC_ASYNCIO_ASSIGN, ACRN_ASYNCIO_PIO, 0x200, 1, 7, 0x22), ==, 0);
	g_assert_cmpint(asyncio(HC_ASYNCIO_DEASSIGN, ACRN_ASYNCIO_PIO, 0x300, 0, 0, 0), ==,
	                -ENOENT);

	/* Nothing is posted until the ring exists. */
	g_assert_cmpint(ioreq_asyncio_post(v, ACRN_ASYNCIO_MMIO, 0xe0001000, 1), ==, -ENOENT);
	/* Hostile rings: id, magic, element size, count, size, placement. */
	put_ring(0xa000, 4, 8, ACRN_SBUF_MAGIC);
	g_assert_cmpint(sbuf(ACRN_TRACE, 0xa000), ==, -EINVAL);
	g_assert_cmpint(sbuf(ACRN_VM_EVENT, 0xa000), ==, -EINVAL); /* its elements are 32 bytes */
	g_assert_cmpint(sbuf(ACRN_ASYNCIO, 0xa004), ==, -EINVAL);
	g_assert_cmpint(sbuf(ACRN_ASYNCIO, RAM_SIZE - 32), ==, -EINVAL);
	put_ring(0xa000, 4, 8, 0x1234);
	g_assert_cmpint(sbuf(ACRN_ASYNCIO, 0xa000), ==, -EINVAL);
	put_ring(0xa000, 4, 16, ACRN_SBUF_MAGIC);
	g_assert_cmpint(sbuf(ACRN_ASYNCIO, 0xa000), ==, -EINVAL);
	put_ring(0xa000, 1, 8, ACRN_SBUF_MAGIC);
	g_assert_cmpint(sbuf(ACRN_ASYNCIO, 0xa000), ==, -EINVAL);
	put_ring(0xa000, 0x20000000, 8, ACRN_SBUF_MAGIC);
	g_assert_cmpint(sbuf(ACRN_ASYNCIO, 0xa000), ==, -EINVAL);
	put_ring(0xa000, 0x1000, 8, ACRN_SBUF_MAGIC); /* runs past the Service VM's RAM */
	g_assert_cmpint(sbuf(ACRN_ASYNCIO, 0xa000), ==, -EINVAL);
	put_ring(0xa000, 4, 8, ACRN_SBUF_MAGIC);
	ring->size = 40;
	g_assert_cmpint(sbuf(ACRN_ASYNCIO, 0xa000), ==, -EINVAL);
	put_ring(0xa000, 4, 8, ACRN_SBUF_MAGIC);
	g_assert_cmpint(sbuf(ACRN_ASYNCIO, 0xa000), ==, 0);

	/* Posted: the token lands in the ring and the Service VM is called. */
	nr_upcalls = 0;
	g_assert_cmpint(ioreq_asyncio_post(v, ACRN_ASYNCIO_MMIO, 0xe0001000, 5), ==, 0);
	g_assert_cmphex(elems[0], ==, 0x11);
	g_assert_cmpuint(ring->tail, ==, 8);
	g_assert_cmpuint(nr_upcalls, ==, 1);
	/* Wrong type, address or data: not posted. */
	g_assert_cmpint(ioreq_asyncio_post(v, ACRN_ASYNCIO_PIO, 0xe0001000, 5), ==, -ENOENT);
	g_assert_cmpint(ioreq_asyncio_post(v, ACRN_ASYNCIO_PIO, 0x200, 6), ==, -ENOENT);
	g_assert_cmpint(ioreq_asyncio_post(v, ACRN_ASYNCIO_PIO, 0x200, 7), ==, 0);
	g_assert_cmphex(elems[1], ==, 0x22);
	/* 4 elements hold 3: the next one is full until the consumer moves. */
	g_assert_cmpint(ioreq_asyncio_post(v, ACRN_ASYNCIO_MMIO, 0xe0001000, 5), ==, 0);
	g_assert_cmpint(ioreq_asyncio_post(v, ACRN_ASYNCIO_MMIO, 0xe0001000, 5), ==, -ENOSPC);
	ring->head = 16;
	g_assert_cmpint(ioreq_asyncio_post(v, ACRN_ASYNCIO_MMIO, 0xe0001000, 5), ==, 0);
	g_assert_cmpuint(ring->tail, ==, 0);
	/* A garbage consumer index is not followed, and a garbage tail is ignored. */
	ring->tail = 0x7777;
	ring->head = 12;
	g_assert_cmpint(ioreq_asyncio_post(v, ACRN_ASYNCIO_MMIO, 0xe0001000, 5), ==, -EINVAL);
	ring->head = 0x1000;
	g_assert_cmpint(ioreq_asyncio_post(v, ACRN_ASYNCIO_MMIO, 0xe0001000, 5), ==, -EINVAL);
	ring->head = 16;
	g_assert_cmpint(ioreq_asyncio_post(v, ACRN_ASYNCIO_MMIO, 0xe0001000, 5), ==, 0);
	g_assert_cmpuint(ring->tail, ==, 8);

	/* Deassigned: no longer posted. */
	g_assert_cmpint(asyncio(HC_ASYNCIO_DEASSIGN, ACRN_ASYNCIO_MMIO, 0xe0001000, 0, 0, 0), ==,
	                0);
	g_assert_cmpint(ioreq_asyncio_post(v, ACRN_ASYNCIO_MMIO, 0xe0001000, 5), ==, -ENOENT);
	/* The table has ACRN_ASYNCIO_MAX entries. */
	for (unsigned i = 1; i < ACRN_ASYNCIO_MAX; i++)
		g_assert_cmpint(asyncio(HC_ASYNCIO_ASSIGN, ACRN_ASYNCIO_PIO, 0x1000 + i, 0, 0, i),
		                ==, 0);
	g_assert_cmpint(asyncio(HC_ASYNCIO_ASSIGN, ACRN_ASYNCIO_PIO, 0x2000, 0, 0, 1), ==, -ENOSPC);
}

static void test_vm_event(void)
{
	struct shared_buf *ring = (struct shared_buf *)(void *)(ram[0] + 0xb000);
	struct vm_event *ev = (struct vm_event *)(void *)(ram[0] + 0xb000 + 64);

	setup();
	start_child(0);
	/* No ring yet: the Service VM still gets its upcall. */
	g_assert_cmpint(ioreq_vm_event(&vms[2], ACRN_VM_EVENT_TRIPLE_FAULT), ==, -ENOENT);
	g_assert_cmpuint(nr_upcalls, ==, 1);
	put_ring(0xb000, 3, 32, ACRN_SBUF_MAGIC);
	g_assert_cmpint(sbuf(ACRN_VM_EVENT, 0xb000), ==, 0);
	memset(ev, 0xee, 3 * sizeof(*ev));
	g_assert_cmpint(ioreq_vm_event(&vms[2], ACRN_VM_EVENT_TRIPLE_FAULT), ==, 0);
	g_assert_cmpuint(ev[0].type, ==, ACRN_VM_EVENT_TRIPLE_FAULT);
	g_assert_cmphex(ev[0].event_data[27], ==, 0);
	g_assert_cmpuint(ring->tail, ==, 32);
	g_assert_cmpint(ioreq_vm_event(&vms[2], ACRN_VM_EVENT_TRIPLE_FAULT), ==, 0);
	/* Full: dropped, the producer index stays. */
	g_assert_cmpint(ioreq_vm_event(&vms[2], ACRN_VM_EVENT_TRIPLE_FAULT), ==, -ENOSPC);
	g_assert_cmpuint(ring->tail, ==, 64);
	g_assert_cmpuint(nr_upcalls, ==, 4);
}

static void test_callback_vector(void)
{
	setup();
	g_assert_cmpint(hc(HC_SET_CALLBACK_VECTOR, 0x1f, 0), ==, -EINVAL);
	g_assert_cmpint(hc(HC_SET_CALLBACK_VECTOR, 0x100, 0), ==, -EINVAL);
	g_assert_cmpint(hc(HC_SET_CALLBACK_VECTOR, 0xf4, 0), ==, 0);
	g_assert_cmphex(upcall_vector, ==, 0xf4);
	/* Only the Service VM has an upcall. */
	g_assert_cmpint(hypercall_dispatch(post, HC_SET_CALLBACK_VECTOR, 0xf3, 0), ==, -ENOTTY);
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
	g_test_add_func("/hypercall/create-vm", test_create_vm);
	g_test_add_func("/hypercall/lifecycle", test_lifecycle);
	g_test_add_func("/hypercall/set-vcpu-regs", test_set_vcpu_regs);
	g_test_add_func("/hypercall/memory-regions", test_memory_regions);
	g_test_add_func("/hypercall/ioreq", test_ioreq);
	g_test_add_func("/hypercall/ioreq-polling", test_ioreq_polling);
	g_test_add_func("/hypercall/irqline-msi", test_irqline_msi);
	g_test_add_func("/hypercall/asyncio", test_asyncio);
	g_test_add_func("/hypercall/vm-event", test_vm_event);
	g_test_add_func("/hypercall/callback-vector", test_callback_vector);
	return g_test_run();
}
