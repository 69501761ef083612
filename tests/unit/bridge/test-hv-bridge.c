/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The hypervisor side of the board bridge (hv/core/bridge.c, built hosted):
 * header layout, hello line, slot state machine, deferred work and upcalls,
 * with the doorbell device and the hypercall dispatch faked (the dispatch has
 * tests of its own in tests/unit/api).
 */
#include <acrn/bridge.h>
#include <acrn/hypercall.h>
#include <glib.h>
#include <hv/bridge.h>
#include <hv/errno.h>
#include <hv/hypercall.h>
#include <hv/log.h>
#include <hv/pcpu.h>
#include <hv/vm.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SVM_RAM (4U << 20)

struct vm vms[MAX_VMS];
unsigned nr_vms;
struct pcpu pcpus[MAX_PCPUS];
unsigned nr_pcpus;
uint64_t tsc_khz = 1000000;

static void *ram_block;
static GString *sent;
static int arch_init_result;
static int arch_init_pcpu = -1;

void log_printf(enum log_level level, const char *fmt, ...)
{
	(void)level;
	(void)fmt;
}

uint64_t timer_arch_now(void)
{
	return 0x1234000;
}

int scenario_vcpu_pcpu(const struct scenario_vm *vm, unsigned vcpu)
{
	for (unsigned c = 0; c < 64; c++)
		if ((vm->cpu_affinity & (1ULL << c)) && vcpu-- == 0)
			return (int)c;
	return -EINVAL;
}

int vm_create(struct vm *vm, vmid_t id, const struct scenario_vm *cfg)
{
	memset(vm, 0, sizeof(*vm));
	vm->id = id;
	vm->cfg = cfg;
	vm->ram_hpa = (paddr_t)(uintptr_t)ram_block;
	vm->ram_size = cfg->memory_size;
	memset(ram_block, 0xAA, SVM_RAM); /* stale contents the bridge must clear */
	return 0;
}

void *vm_gpa_to_hva(struct vm *vm, uint64_t gpa, uint64_t len)
{
	if (gpa >= vm->ram_size || len > vm->ram_size - gpa)
		return NULL;
	return (uint8_t *)(uintptr_t)vm->ram_hpa + gpa;
}

/* Answers the caller can check: who called, with what. */
static unsigned nr_dispatched;

int64_t hypercall_dispatch_vm(struct vm *caller, uint64_t id, uint64_t p1, uint64_t p2)
{
	nr_dispatched++;
	if (caller != &vms[0])
		return -EPERM;
	return -(int64_t)((id & 0xff) + p1 + 2 * p2);
}

int bridge_arch_init(cpuid_t pcpu)
{
	arch_init_pcpu = pcpu;
	return arch_init_result;
}

void bridge_arch_send(const char *s, size_t len)
{
	g_string_append_len(sent, s, (gssize)len);
}

static struct scenario_vm cfg = {
	.name = "sos",
	.load_order = LOAD_SERVICE,
	.cpu_affinity = 1U << 1,
	.memory_size = SVM_RAM,
	.kernel_type = KERNEL_BRIDGE,
};

static void setup(void)
{
	if (!ram_block)
		ram_block = aligned_alloc(2U << 20, SVM_RAM);
	if (!sent)
		sent = g_string_new(NULL);
	g_string_truncate(sent, 0);
	memset(pcpus, 0, sizeof(pcpus));
	nr_pcpus = 2;
	pcpus[0].online = pcpus[1].online = true;
	arch_init_result = 0;
	arch_init_pcpu = -1;
}

static void test_refused(void)
{
	struct scenario_vm bad = cfg;

	setup();
	bad.cpu_affinity = 1U << 5; /* no such pCPU */
	g_assert_cmpint(bridge_create(&vms[0], 0, &bad), ==, -ENODEV);
	pcpus[1].online = false;
	g_assert_cmpint(bridge_create(&vms[0], 0, &cfg), ==, -ENODEV);
	pcpus[1].online = true;
	arch_init_result = -ENODEV; /* no COM2 on this board */
	memset(&vms[0], 0x5A, sizeof(vms[0]));
	g_assert_cmpint(bridge_create(&vms[0], 0, &cfg), ==, -ENODEV);
	g_assert_cmpuint(((uint8_t *)&vms[0])[0], ==, 0x5A); /* no half-made VM */
	g_assert_cmpuint(sent->len, ==, 0);
}

static struct acrn_bridge_header *create(void)
{
	struct acrn_bridge_header *h;
	char want[128];

	setup();
	g_assert_cmpint(bridge_create(&vms[0], 0, &cfg), ==, 0);
	nr_vms = 1;
	g_assert_cmpint(arch_init_pcpu, ==, 1);
	h = ram_block;
	g_assert_cmpuint(h->magic, ==, ACRN_BRIDGE_MAGIC);
	g_assert_cmpuint(h->version, ==, ACRN_BRIDGE_VERSION);
	g_assert_cmpuint(h->nr_slots, ==, ACRN_BRIDGE_NR_SLOTS);
	g_assert_cmpuint(h->ram_hpa, ==, (uint64_t)(uintptr_t)ram_block);
	g_assert_cmpuint(h->ram_size, ==, SVM_RAM);
	g_assert_cmpuint(h->boot_id, !=, 0);
	g_assert_cmpuint(h->slots[5].state, ==, ACRN_BRIDGE_SLOT_FREE);
	g_assert_cmpuint(((uint8_t *)ram_block)[SVM_RAM - 1], ==, 0); /* RAM cleared */
	g_assert_true(vms[0].upcall != NULL);
	g_assert_cmpuint(vms[0].state, ==, VM_RUNNING);
	snprintf(want, sizeof(want), "@ACRN-BRIDGE 1 %lx %x %lx\n", (unsigned long)h->ram_hpa,
	         SVM_RAM, (unsigned long)h->boot_id);
	g_assert_cmpstr(sent->str, ==, want);
	g_string_truncate(sent, 0);
	return h;
}

static void post(struct acrn_bridge_header *h, unsigned i, uint64_t id, uint64_t p1, uint64_t p2)
{
	h->slots[i].id = id;
	h->slots[i].p1 = p1;
	h->slots[i].p2 = p2;
	h->slots[i].ret = 12345;
	h->slots[i].state = ACRN_BRIDGE_SLOT_POSTED;
}

static void test_slots(void)
{
	struct acrn_bridge_header *h = create();

	nr_dispatched = 0;
	post(h, 0, HC_GET_API_VERSION, 1, 0);
	post(h, 1, 0xdeadbeef, 0, 0);
	post(h, 2, HC_GET_API_VERSION, 3, 4);
	post(h, 3, HC_CREATE_VM, 5, 0);
	post(h, 4, HC_START_VM, 7, 1);
	h->slots[5] = (struct acrn_bridge_slot){ .state = ACRN_BRIDGE_SLOT_DONE, .ret = 99 };
	h->slots[6] = (struct acrn_bridge_slot){ .state = ACRN_BRIDGE_SLOT_RUNNING, .ret = 98 };
	h->slots[7] = (struct acrn_bridge_slot){ .state = 77, .id = HC_GET_API_VERSION };

	/* Nothing runs in the interrupt: the doorbell only hands work to the run loop. */
	bridge_run_deferred(&pcpus[1]);
	g_assert_cmpuint(h->slots[0].state, ==, ACRN_BRIDGE_SLOT_POSTED);
	bridge_doorbell(false);
	g_assert_cmpuint(pcpus[1].deferred & PCPU_WORK_BRIDGE, !=, 0);
	g_assert_true(pcpus[1].need_resched);
	g_assert_cmpuint(pcpus[0].deferred, ==, 0);
	g_assert_cmpuint(h->slots[0].state, ==, ACRN_BRIDGE_SLOT_POSTED);
	bridge_run_deferred(&pcpus[1]);
	g_assert_cmpuint(pcpus[1].deferred, ==, 0);

	/* Each posted slot ran once, as the Service VM, with its own id and parameters. */
	g_assert_cmpuint(nr_dispatched, ==, 5);
	g_assert_cmpint(h->slots[0].ret, ==, -(0x00 + 1));
	g_assert_cmpint(h->slots[1].ret, ==, -(0xef + 0));
	g_assert_cmpint(h->slots[2].ret, ==, -(0x00 + 3 + 8));
	g_assert_cmpint(h->slots[3].ret, ==, -(0x10 + 5));
	g_assert_cmpint(h->slots[4].ret, ==, -(0x12 + 7 + 2));
	for (unsigned i = 0; i < 5; i++)
		g_assert_cmpuint(h->slots[i].state, ==, ACRN_BRIDGE_SLOT_DONE);
	/* Slots the host did not post are left alone. */
	g_assert_cmpint(h->slots[5].ret, ==, 99);
	g_assert_cmpuint(h->slots[6].state, ==, ACRN_BRIDGE_SLOT_RUNNING);
	g_assert_cmpuint(h->slots[7].state, ==, 77);
	g_assert_cmpstr(sent->str, ==, "!"); /* one ring for the batch */

	/* A ring with nothing posted: no work, no ring back. */
	g_string_truncate(sent, 0);
	bridge_doorbell(false);
	bridge_run_deferred(&pcpus[1]);
	g_assert_cmpuint(sent->len, ==, 0);
	g_assert_cmpuint(nr_dispatched, ==, 5);
}

static void test_hello_and_upcall(void)
{
	struct acrn_bridge_header *h = create();

	bridge_doorbell(true);
	bridge_run_deferred(&pcpus[1]);
	g_assert_true(g_str_has_prefix(sent->str, "@ACRN-BRIDGE 1 "));
	g_assert_true(g_str_has_suffix(sent->str, "\n"));
	g_string_truncate(sent, 0);
	vms[0].upcall(&vms[0]);
	vms[0].upcall(&vms[0]);
	g_assert_cmpuint(h->upcalls, ==, 2);
	g_assert_cmpstr(sent->str, ==, "!!");
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/hv-bridge/refused", test_refused);
	g_test_add_func("/hv-bridge/slots", test_slots);
	g_test_add_func("/hv-bridge/hello-and-upcall", test_hello_and_upcall);
	return g_test_run();
}
