// SPDX-License-Identifier: BSD-3-Clause
/*
 * A bare-metal Service VM that launches a post-launched VM through ACRN's
 * hypercalls, as acrn-dm does, and plays its device model:
 *
 * - CREATE_VM for the scenario slot "child", its RAM from the Service VM's
 *   own (VM_SET_MEMORY_REGIONS), a copy of this very image as its payload,
 *   SET_VCPU_REGS (32-bit protected mode as for a bzImage, EBX marks the
 *   child), the ioreq page, the asyncio ring, START_VM;
 * - then it serves the child's port I/O and MMIO from the ioreq page when
 *   the upcall vector (0xF3) arrives, drains posted notifications, raises
 *   an IOAPIC line (SET_IRQLINE) and an MSI (INJECT_MSI) that the child
 *   acknowledges, and when the child powers off: PAUSE, RESET, DESTROY;
 * - then pause and resume (START_VM of a PAUSED VM, our extension of ACRN's
 *   ABI): a counting child on our pCPU, paused with a port read pending
 *   that we answer while it is paused, must stop counting and take no
 *   interrupt, then count on with its LAPIC timer ticking, the read
 *   finished exactly once and an MSI and an IOAPIC edge sent while paused
 *   delivered; paused in HLT it must resume in HLT, woken only by an
 *   interrupt. The spinner on the other pCPU keeps a count on its x87
 *   stack too, so FPU state lost across a pause shows.
 *
 * Hostile calls along the way (bad GPAs, overlaps, wrong states) must get
 * precise errors. The child is the same image entered with EBX =
 * CHILD_MARK; it checks the values the "device model" returns and prints
 * its own RESULT line through its vUART.
 */
#include "guest.h"

#define CHILD_MARK  0xC41DC41Du
#define SPIN_MARK   0x5B195B19u /* the second post-launched VM: says hello, then spins */
#define CHILD_CRASH 0xDEADC41Du /* the child's second run: 64-bit entry, then a triple fault */
#define COUNT_MARK  0xC0C0C0C0u /* its third life: counts, reads PORT_SEQ, ticks, until destroyed */

/* ACRN v3.3 hypercall ids and structures (api/include/acrn, restated for the guest). */
#define HC(x)                    (0x80000000ull | (x))
#define HC_GET_API_VERSION       HC(0x00)
#define HC_SET_CALLBACK_VECTOR   HC(0x02)
#define HC_CREATE_VM             HC(0x10)
#define HC_DESTROY_VM            HC(0x11)
#define HC_START_VM              HC(0x12)
#define HC_PAUSE_VM              HC(0x13)
#define HC_RESET_VM              HC(0x15)
#define HC_SET_VCPU_REGS         HC(0x16)
#define HC_INJECT_MSI            HC(0x23)
#define HC_SET_IRQLINE           HC(0x25)
#define HC_SET_IOREQ_BUFFER      HC(0x30)
#define HC_NOTIFY_REQUEST_FINISH HC(0x31)
#define HC_ASYNCIO_ASSIGN        HC(0x32)
#define HC_VM_GPA2HPA            HC(0x41)
#define HC_VM_SET_MEMORY_REGIONS HC(0x42)
#define HC_SETUP_SBUF            HC(0x44)

#define ENOMEM                   12
#define EINVAL                   22
#define EBUSY                    16
#define EEXIST                   17
#define ENOTTY                   25

#define UPCALL_VECTOR            0xF3
#define CHILD_IRQ_VEC            0x61
#define CHILD_MSI_VEC            0x62
#define COUNT_TICK_VEC           0x63
#define CHILD_GSI                10

/* Service VM memory layout (64 MiB). */
#define IOREQ_PAGE  0x1800000ull
#define ASYNCIO_BUF 0x1801000ull
#define EVENT_BUF   0x1802000ull
#define SPIN_IOREQ  0x1803000ull
#define SPIN_RAM    0x2800000ull /* the spinner's GPA 0 */
#define PORT_HELLO  0x540
#define CHILD_RAM   0x2000000ull /* the child's GPA 0 */
#define CHILD_SIZE  0x400000ull
#define CHILD_GDT   0x1000ull /* child GPAs */
#define CHILD_ZP    0x2000ull
#define CHILD_PML4  0x3000ull /* then the PDPT and four PDs: 4 GiB identity map */
#define CHILD_ENTRY 0x100000ull

/* Ports and MMIO the "device model" serves (child side of the contract). */
#define PORT_READ32  0x510
#define PORT_READ8   0x511
#define PORT_WRITE   0x512
#define PORT_POSTED  0x520
#define PORT_IRQ_RDY 0x530
#define PORT_IRQ_ACK 0x531
#define PORT_MSI_RDY 0x532
#define PORT_MSI_ACK 0x533
#define PORT_SEQ     0x514 /* the counter's read: 1, 2, 3, ... one answer per request */
#define MMIO_BASE    0xE0000000u
#define MMIO_POSTED  0xE0001000u
#define VAL_READ32   0xC0FFEE01u
#define VAL_READ8    0x5Au
#define VAL_MMIO     0xDEADBEEFu
#define FD_PIO       0xF00Dull
#define FD_MMIO      0xBEEFull

struct vm_creation {
	uint16_t vmid, rsv0, vcpu_num, rsv1;
	char name[16];
	uint64_t vm_flag, ioreq_buf, cpu_affinity;
};

struct memory_region {
	uint32_t type, prot;
	uint64_t gpa, service_vm_gpa, size;
};

struct set_regions {
	uint16_t vmid, rsv0;
	uint32_t rsv1, mr_num;
	uint64_t regions_gpa;
};

struct descriptor_ptr {
	uint16_t limit;
	uint64_t base;
	uint16_t rsv[3];
} __attribute__((packed));

struct vcpu_regs {
	uint16_t vcpu_id, rsv[3];
	uint64_t gprs[16];
	struct descriptor_ptr gdt, idt;
	uint64_t rip, cs_base, cr0, cr4, cr3, efer, rflags, rsv64[4];
	uint32_t cs_ar, cs_limit, rsv32[3];
	uint16_t cs_sel, ss_sel, ds_sel, es_sel, fs_sel, gs_sel, ldt_sel, tr_sel;
};

struct io_request {
	uint32_t type, completion_polling, rsv0[14];
	uint32_t direction, rsv1;
	uint64_t addr, size, value;
	uint64_t data[4];
	uint32_t rsv2;
	int32_t kernel_handled;
	uint32_t processed;
	uint8_t pad[256 - 140];
};

_Static_assert(__builtin_offsetof(struct io_request, processed) == 136, "slot layout");
_Static_assert(sizeof(struct io_request) == 256, "slot size");

struct shared_buf {
	uint64_t magic;
	uint32_t ele_num, ele_size, head, tail, flags, rsv, overrun_cnt, size, pad[6];
};

#define REQ_PENDING    0
#define REQ_COMPLETE   1
#define REQ_PROCESSING 2
#define REQ_FREE       3
#define TYPE_PORTIO    0
#define TYPE_MMIO      1
#define DIR_READ       0

/*
 * What the counter child and the spinner publish in their own RAM, which is
 * ours: the same image runs at the same addresses, so we read it at the
 * child's RAM base plus the variable's address.
 */
struct count_shared {
	volatile uint64_t loops;
	volatile uint32_t ticks, ios, bad_seq, msis, irqs, fpu_bad;
	/* Set by us: halt until an MSI, the timer masked; nap_state 1 halting, 2 woken. */
	volatile uint32_t nap_req, nap_state;
	volatile uint32_t empty_wakes; /* HLT ended with no interrupt taken */
};

struct spin_shared {
	volatile uint64_t count, fpu_bad;
};

static struct count_shared count_sh;
static struct spin_shared spin_sh;

#ifdef __x86_64__

static int64_t hcall(uint64_t id, uint64_t p1, uint64_t p2)
{
	register uint64_t r8 asm("r8") = id;
	int64_t ret;

	asm volatile("vmcall" : "=a"(ret) : "r"(r8), "D"(p1), "S"(p2) : "memory");
	return ret;
}

static volatile unsigned int upcalls;

static void isr_upcall(struct isr_frame *f)
{
	(void)f;
	upcalls++;
	x2apic_eoi();
}

/* A periodic tick, so a child that never answers cannot halt us forever. */
static void isr_tick(struct isr_frame *f)
{
	(void)f;
	x2apic_eoi();
}

#define TICK_VECTOR 0x40

static void tick_start(void)
{
	irq_set_handler(TICK_VECTOR, isr_tick);
	wrmsr(X2APIC_TDCR, APIC_TDCR_DIV1);
	wrmsr(X2APIC_LVT_TIMER, APIC_TIMER_PERIODIC | TICK_VECTOR);
	wrmsr(X2APIC_TMICT, apic_timer_hz() / 100);
}

static void tick_stop(void)
{
	wrmsr(X2APIC_LVT_TIMER, APIC_LVT_MASKED);
	wrmsr(X2APIC_TMICT, 0);
}

static uint16_t vmid;
static struct vm_creation cv __attribute__((aligned(64)));
static struct set_regions sr __attribute__((aligned(64)));
static struct memory_region mr[2] __attribute__((aligned(64)));
static struct vcpu_regs regs __attribute__((aligned(64)));
static uint64_t scratch[4] __attribute__((aligned(64)));

static uint64_t gpa(const void *p)
{
	return (uintptr_t)p;
}

static int64_t map_to(uint16_t id, uint32_t type, uint64_t g, uint64_t sgpa, uint64_t size)
{
	mr[0] = (struct memory_region){
		.type = type, .prot = 0x47, .gpa = g, .service_vm_gpa = sgpa, .size = size
	};
	sr = (struct set_regions){ .vmid = id, .mr_num = 1, .regions_gpa = gpa(mr) };
	return hcall(HC_VM_SET_MEMORY_REGIONS, gpa(&sr), 0);
}

static int64_t map(uint32_t type, uint64_t g, uint64_t sgpa, uint64_t size)
{
	return map_to(vmid, type, g, sgpa, size);
}

static void hostile_before_create(void)
{
	EXPECT_EQ(hcall(HC_GET_API_VERSION, gpa(scratch), 0), 0);
	EXPECT_EQ(scratch[0], 1); /* major 1, minor 0 */
	/* Argument structures outside our RAM, or straddling its end. */
	EXPECT_EQ(hcall(HC_CREATE_VM, 0xfeb00000, 0), -EINVAL);
	EXPECT_EQ(hcall(HC_CREATE_VM, 0x3fffff0, 0), -EINVAL);
	EXPECT_EQ(hcall(HC_GET_API_VERSION, ~0ull, 0), -EINVAL);
	/* No such VM yet, our own id, the witness (pre-launched). */
	EXPECT_EQ(hcall(HC_START_VM, 2, 0), -EINVAL);
	EXPECT_EQ(hcall(HC_DESTROY_VM, 0, 0), -EINVAL);
	EXPECT_EQ(hcall(HC_PAUSE_VM, 1, 0), -ENOTTY);
	EXPECT_EQ(hcall(HC_SET_CALLBACK_VECTOR, 0x10, 0), -EINVAL);
	EXPECT_EQ(hcall(HC_SET_CALLBACK_VECTOR, UPCALL_VECTOR, 0), 0);
	/* A name of 16 characters has no room for its NUL. */
	memcpy(cv.name, "0123456789abcdef", 16);
	EXPECT_EQ(hcall(HC_CREATE_VM, gpa(&cv), 0), -EINVAL);
}

static void create_child(void)
{
	memset(&cv, 0, sizeof(cv));
	memcpy(cv.name, "child", 6);
	cv.cpu_affinity = 0x2; /* not the slot's pCPU 0 */
	EXPECT_EQ(hcall(HC_CREATE_VM, gpa(&cv), 0), -EINVAL);
	cv.cpu_affinity = 0;
	EXPECT_EQ(hcall(HC_CREATE_VM, gpa(&cv), 0), 0);
	vmid = cv.vmid;
	EXPECT_EQ(vmid, 2);
	EXPECT_EQ(cv.vcpu_num, 1);
	EXPECT_EQ(hcall(HC_CREATE_VM, gpa(&cv), 0), -EBUSY);
}

static void give_memory(void)
{
	/* Hostile regions: in the 2-4 GiB hole, beyond our RAM, too much in total. */
	EXPECT_EQ(map(0, 0xfec00000, CHILD_RAM, 0x1000), -EINVAL);
	EXPECT_EQ(map(0, 0, 0x3fff000, 0x2000), -EINVAL);
	EXPECT_EQ(map(0, 0, 0x10000000, 0x1000), -EINVAL);
	EXPECT_EQ(map(0, 0, CHILD_RAM + 1, 0x1000), -EINVAL);
	EXPECT_EQ(map(0, 0, CHILD_RAM, CHILD_SIZE * 2), -ENOMEM);
	EXPECT_EQ(map(7, 0, CHILD_RAM, 0x1000), -EINVAL);
	/* The child's 4 MiB, in two batches of one region each; then an overlap. */
	EXPECT_EQ(map(0, 0, CHILD_RAM, CHILD_SIZE / 2), 0);
	EXPECT_EQ(map(0, CHILD_SIZE / 2, CHILD_RAM + CHILD_SIZE / 2, CHILD_SIZE / 2), 0);
	EXPECT_EQ(map(0, 0x1000, CHILD_RAM, 0x1000), -EEXIST);
	/* Where it went. */
	scratch[0] = 0x101008;
	EXPECT_EQ(hcall(HC_VM_GPA2HPA, vmid, gpa(scratch)), 0);
	EXPECT_NE(scratch[1], ~0ull);
	scratch[0] = CHILD_SIZE;
	EXPECT_EQ(hcall(HC_VM_GPA2HPA, vmid, gpa(scratch)), -EINVAL);
}

static void load_child(void)
{
	uint64_t *gdt = (uint64_t *)(uintptr_t)(CHILD_RAM + CHILD_GDT);
	size_t len = (size_t)(__image_end - __image_start);

	/* The payload: this image, at the same address in the child. */
	memcpy((void *)(uintptr_t)(CHILD_RAM + CHILD_ENTRY), __image_start, len);
	/* A GDT as acrn-dm builds for a bzImage: flat code 0x10, data 0x18. */
	gdt[0] = gdt[1] = 0;
	gdt[2] = 0x00cf9b000000ffffull;
	gdt[3] = 0x00cf93000000ffffull;
	gdt[4] = 0x00af9b000000ffffull; /* 0x20: 64-bit code, for the second run */

	memset(&regs, 0, sizeof(regs));
	regs.vcpu_id = 1; /* no such vCPU */
	EXPECT_EQ(hcall(HC_SET_VCPU_REGS, vmid, gpa(&regs)), -EINVAL);
	regs.vcpu_id = 0;
	regs.cr0 = 0x80000031; /* paging on at entry: refused */
	regs.cs_sel = 0x10;
	regs.ds_sel = 0x18;
	regs.gdt.base = CHILD_GDT;
	regs.gdt.limit = 0x1f;
	EXPECT_EQ(hcall(HC_SET_VCPU_REGS, vmid, gpa(&regs)), -EINVAL);
	regs.cr0 = 0x31;
	regs.rip = CHILD_ENTRY;
	regs.rflags = 0x2;
	regs.gprs[3] = CHILD_MARK; /* RBX: "you are the child" */
	regs.gprs[6] = CHILD_ZP;   /* RSI: the zero page, as for Linux */
	EXPECT_EQ(hcall(HC_SET_VCPU_REGS, vmid, gpa(&regs)), 0);
}

static struct shared_buf *ring = (struct shared_buf *)(uintptr_t)ASYNCIO_BUF;

static void setup_io(void)
{
	struct {
		uint32_t type, match_data;
		uint64_t addr, fd, data;
	} aio __attribute__((aligned(8)));
	struct {
		uint16_t cpu_id, rsv;
		uint32_t sbuf_id;
		uint64_t gpa;
	} sb __attribute__((aligned(8)));

	/* START without an ioreq page: nobody would serve the child. */
	EXPECT_EQ(hcall(HC_START_VM, vmid, 0), -EINVAL);
	scratch[0] = IOREQ_PAGE + 8;
	EXPECT_EQ(hcall(HC_SET_IOREQ_BUFFER, vmid, gpa(scratch)), -EINVAL);
	scratch[0] = 0x10000000;
	EXPECT_EQ(hcall(HC_SET_IOREQ_BUFFER, vmid, gpa(scratch)), -EINVAL);
	memset((void *)(uintptr_t)IOREQ_PAGE, 0, 4096);
	scratch[0] = IOREQ_PAGE;
	EXPECT_EQ(hcall(HC_SET_IOREQ_BUFFER, vmid, gpa(scratch)), 0);

	memset(ring, 0, 64 + 8 * 8);
	ring->magic = 0x5aa57aa71aa13aa3ull;
	ring->ele_num = 8;
	ring->ele_size = 16; /* asyncio elements are 8 bytes */
	ring->size = 128;
	sb = (typeof(sb)){ .sbuf_id = 64, .gpa = ASYNCIO_BUF };
	EXPECT_EQ(hcall(HC_SETUP_SBUF, vmid, gpa(&sb)), -EINVAL);
	ring->ele_size = 8;
	ring->size = 64;
	EXPECT_EQ(hcall(HC_SETUP_SBUF, vmid, gpa(&sb)), 0);
	aio = (typeof(aio)){ .type = 1, .addr = PORT_POSTED, .fd = FD_PIO };
	EXPECT_EQ(hcall(HC_ASYNCIO_ASSIGN, vmid, gpa(&aio)), 0);
	EXPECT_EQ(hcall(HC_ASYNCIO_ASSIGN, vmid, gpa(&aio)), -EEXIST);
	aio = (typeof(aio)){ .type = 2, .addr = MMIO_POSTED, .fd = FD_MMIO };
	EXPECT_EQ(hcall(HC_ASYNCIO_ASSIGN, vmid, gpa(&aio)), 0);
}

/*
 * A second post-launched VM, on pCPU 1 (with the witness), created with
 * IO_COMPLETION_POLLING: it says hello twice through its ioreq page (we
 * complete the slot without NOTIFY_REQUEST_FINISH, so only polling can
 * let it go on), then spins in guest mode until we pause it from pCPU 0,
 * which must reach into the other pCPU.
 */
static uint16_t spin_vmid;
static unsigned int spin_hellos, spin_not_polling;

static void start_spinner(void)
{
	struct vm_creation c __attribute__((aligned(64))) = { .name = "spinner", .vm_flag = 4 };
	uint64_t *gdt = (uint64_t *)(uintptr_t)(SPIN_RAM + CHILD_GDT);

	EXPECT_EQ(hcall(HC_CREATE_VM, gpa(&c), 0), 0);
	spin_vmid = c.vmid;
	EXPECT_EQ(spin_vmid, 3);
	EXPECT_EQ(map_to(spin_vmid, 0, 0, SPIN_RAM, CHILD_SIZE), 0);
	memcpy((void *)(uintptr_t)(SPIN_RAM + CHILD_ENTRY), __image_start,
	       (size_t)(__image_end - __image_start));
	gdt[0] = gdt[1] = 0;
	gdt[2] = 0x00cf9b000000ffffull;
	gdt[3] = 0x00cf93000000ffffull;
	regs.gprs[3] = SPIN_MARK;
	EXPECT_EQ(hcall(HC_SET_VCPU_REGS, spin_vmid, gpa(&regs)), 0);
	memset((void *)(uintptr_t)SPIN_IOREQ, 0, 4096);
	scratch[0] = SPIN_IOREQ;
	EXPECT_EQ(hcall(HC_SET_IOREQ_BUFFER, spin_vmid, gpa(scratch)), 0);
	EXPECT_EQ(hcall(HC_START_VM, spin_vmid, 0), 0);
}

/* Any request of the spinner: note the hello, answer reads with all ones. */
static void serve_spinner(void)
{
	struct io_request *slot = (struct io_request *)(uintptr_t)SPIN_IOREQ;

	if (__atomic_load_n(&slot->processed, __ATOMIC_ACQUIRE) != REQ_PENDING)
		return;
	slot->processed = REQ_PROCESSING;
	spin_not_polling += slot->completion_polling != 1;
	if (slot->type == TYPE_PORTIO && slot->direction != DIR_READ &&
	    slot->addr == PORT_HELLO + spin_hellos)
		spin_hellos++;
	else if (slot->direction == DIR_READ)
		slot->value = ~0ull;
	__atomic_store_n(&slot->processed, REQ_COMPLETE, __ATOMIC_RELEASE);
}

static void serve_spinner_hellos(void)
{
	uint64_t deadline = rdtsc() + tsc_us_to_ticks(5 * 1000 * 1000);

	tick_start();
	while (spin_hellos < 2 && rdtsc() < deadline) {
		irq_disable();
		serve_spinner();
		safe_halt();
	}
	irq_disable();
	tick_stop();
	irq_enable();
	EXPECT_EQ(spin_hellos, 2);
	EXPECT_EQ(spin_not_polling, 0);
}

/* What the "device model" saw. */
static uint64_t seen_write, seen_mmio_write, irq_ack, msi_ack, unexpected;
static unsigned int posted_pio, posted_mmio, requests;
static bool child_off, posted_as_ioreq;

static void drain_ring(void)
{
	uint64_t *elems = (uint64_t *)(uintptr_t)(ASYNCIO_BUF + 64);

	while (ring->head != __atomic_load_n(&ring->tail, __ATOMIC_ACQUIRE)) {
		uint64_t fd = elems[ring->head / 8];

		posted_pio += fd == FD_PIO;
		posted_mmio += fd == FD_MMIO;
		if (fd != FD_PIO && fd != FD_MMIO)
			unexpected++;
		__atomic_store_n(&ring->head, (ring->head + 8) % 64, __ATOMIC_RELEASE);
	}
}

static struct acrn_msi {
	uint64_t addr, data;
} msi __attribute__((aligned(16)));

/* Serve one request; returns what to do after NOTIFY_REQUEST_FINISH. */
static int serve(struct io_request *r)
{
	bool rd = r->direction == DIR_READ;
	uint64_t a = r->addr;

	requests++;
	if (a == PORT_POSTED || a == MMIO_POSTED)
		posted_as_ioreq = true;
	if (r->type == TYPE_PORTIO) {
		if (rd && a == PORT_READ32 && r->size == 4)
			r->value = VAL_READ32;
		else if (rd && a == PORT_READ8 && r->size == 1)
			r->value = VAL_READ8;
		else if (rd)
			r->value = ~0ull;
		else if (a == PORT_WRITE)
			seen_write = r->value & 0xffffffff;
		else if (a == PORT_IRQ_RDY)
			return 1;
		else if (a == PORT_IRQ_ACK)
			irq_ack = r->value & 0xffffffff;
		else if (a == PORT_MSI_RDY)
			return 2;
		else if (a == PORT_MSI_ACK)
			msi_ack = r->value & 0xffffffff;
		else if (a == PM1_SLEEP_CTL && (r->value & 0xff) == SLEEP_POWEROFF)
			return 3;
		else if (a != 0x21 && a != 0xa1 && a != 0xf4)
			unexpected++;
	} else if (r->type == TYPE_MMIO) {
		if (rd && a == MMIO_BASE && r->size == 4)
			r->value = VAL_MMIO;
		else if (!rd && a == MMIO_BASE + 4)
			seen_mmio_write = r->value;
		else
			unexpected++;
	} else {
		unexpected++;
	}
	return 0;
}

static void serve_child(void)
{
	struct io_request *slot = (struct io_request *)(uintptr_t)IOREQ_PAGE;
	uint64_t deadline = rdtsc() + tsc_us_to_ticks(30 * 1000 * 1000);

	while (!child_off && rdtsc() < deadline) {
		int after;

		irq_disable();
		drain_ring();
		serve_spinner();
		if (__atomic_load_n(&slot->processed, __ATOMIC_ACQUIRE) != REQ_PENDING) {
			/* sti; hlt: an upcall between the check and the halt still wakes us. */
			safe_halt();
			continue;
		}
		slot->processed = REQ_PROCESSING;
		after = serve(slot);
		if (after == 3) {
			/* The child powered off: leave its request unanswered. */
			child_off = true;
			break;
		}
		__atomic_store_n(&slot->processed, REQ_COMPLETE, __ATOMIC_RELEASE);
		EXPECT_EQ(hcall(HC_NOTIFY_REQUEST_FINISH, vmid, 0), 0);
		if (after == 1) {
			/* An edge on the child's vIOAPIC pin (RAISING_PULSE). */
			EXPECT_EQ(hcall(HC_SET_IRQLINE, vmid, (2ull << 32) | CHILD_GSI), 0);
		} else if (after == 2) {
			msi = (struct acrn_msi){ .addr = 0xfee00000, .data = CHILD_MSI_VEC };
			EXPECT_EQ(hcall(HC_INJECT_MSI, vmid, gpa(&msi)), 0);
		}
	}
	irq_enable();
	drain_ring();
}

static void hostile_while_running(void)
{
	EXPECT_EQ(hcall(HC_DESTROY_VM, vmid, 0), -EBUSY);
	EXPECT_EQ(hcall(HC_RESET_VM, vmid, 0), -EBUSY);
	EXPECT_EQ(hcall(HC_START_VM, vmid, 0), -EBUSY);
	EXPECT_EQ(hcall(HC_SET_VCPU_REGS, vmid, gpa(&regs)), -EBUSY);
	scratch[0] = IOREQ_PAGE;
	EXPECT_EQ(hcall(HC_SET_IOREQ_BUFFER, vmid, gpa(scratch)), -EBUSY);
	EXPECT_EQ(hcall(HC_SET_IRQLINE, vmid, 24), -EINVAL);
	EXPECT_EQ(hcall(HC_SET_IRQLINE, vmid, (9ull << 32) | 3), -EINVAL);
	msi = (struct acrn_msi){ .addr = 0xfed00000, .data = 0x40 };
	EXPECT_EQ(hcall(HC_INJECT_MSI, vmid, gpa(&msi)), -EINVAL);
	EXPECT_EQ(hcall(HC_NOTIFY_REQUEST_FINISH, vmid, 0), -EINVAL);
	EXPECT_EQ(hcall(HC_NOTIFY_REQUEST_FINISH, vmid, 5), -EINVAL);
	EXPECT_EQ(map(0, 0x1000, CHILD_RAM, 0x1000), -EEXIST);
}

/* Second run after RESET_VM: the child triple-faults; VM_EVENT tells us. */
static void crash_child(void)
{
	struct shared_buf *ev = (struct shared_buf *)(uintptr_t)EVENT_BUF;
	uint32_t *first = (uint32_t *)(uintptr_t)(EVENT_BUF + 64);
	uint64_t deadline = rdtsc() + tsc_us_to_ticks(10 * 1000 * 1000);
	struct {
		uint16_t cpu_id, rsv;
		uint32_t sbuf_id;
		uint64_t gpa;
	} sb __attribute__((aligned(8))) = { .sbuf_id = 65, .gpa = EVENT_BUF };
	uint64_t *pt = (uint64_t *)(uintptr_t)(CHILD_RAM + CHILD_PML4);
	extern char _start64[];

	memset(ev, 0, 64 + 4 * 32);
	ev->magic = 0x5aa57aa71aa13aa3ull;
	ev->ele_num = 4;
	ev->ele_size = 32;
	ev->size = 128;
	EXPECT_EQ(hcall(HC_SETUP_SBUF, vmid, gpa(&sb)), 0);
	memcpy((void *)(uintptr_t)(CHILD_RAM + CHILD_ENTRY), __image_start,
	       (size_t)(__image_end - __image_start));
	/* Long mode from the first instruction: the loader's page tables, cs 0x20. */
	memset(pt, 0, 6 * 4096);
	pt[0] = (CHILD_PML4 + 0x1000) | 3;
	for (unsigned i = 0; i < 4; i++)
		pt[512 + i] = (CHILD_PML4 + 0x2000 + i * 0x1000) | 3;
	for (unsigned i = 0; i < 2048; i++)
		pt[1024 + i] = ((uint64_t)i << 21) | 0x83;
	regs.gprs[3] = CHILD_CRASH;
	regs.rip = (uintptr_t)_start64;
	regs.cs_sel = 0x20;
	regs.gdt.limit = 0x27;
	regs.cr0 = 0x80000031;
	regs.cr3 = CHILD_PML4;
	regs.cr4 = 0x20;
	regs.efer = 0x500;
	regs.rip = 0x0000800000000000ull; /* not canonical */
	EXPECT_EQ(hcall(HC_SET_VCPU_REGS, vmid, gpa(&regs)), -EINVAL);
	regs.rip = (uintptr_t)_start64;
	regs.cr4 = 0;
	EXPECT_EQ(hcall(HC_SET_VCPU_REGS, vmid, gpa(&regs)), -EINVAL); /* no PAE */
	regs.cr4 = 0x20;
	EXPECT_EQ(hcall(HC_SET_VCPU_REGS, vmid, gpa(&regs)), 0);
	EXPECT_EQ(hcall(HC_START_VM, vmid, 0), 0);
	tick_start();
	while (__atomic_load_n(&ev->tail, __ATOMIC_ACQUIRE) == ev->head && rdtsc() < deadline) {
		irq_disable();
		if (__atomic_load_n(&ev->tail, __ATOMIC_ACQUIRE) == ev->head)
			safe_halt();
		irq_enable();
	}
	tick_stop();
	EXPECT_EQ(ev->tail, 32);
	EXPECT_EQ(*first, 2); /* ACRN's VM_EVENT_TRIPLE_FAULT */
	gprintf("SERVICE: child triple fault event %u\n", *first);
	/* Powered off by itself: nothing to pause, but it can be destroyed. */
	EXPECT_EQ(hcall(HC_PAUSE_VM, vmid, 0), -EINVAL);
}

static void *in_ram(uint64_t ram, const void *var)
{
	return (void *)(uintptr_t)(ram + (uintptr_t)var);
}

/* A copy of this image in the child's RAM and a 32-bit entry with EBX = @mark. */
static void child_image(uint64_t ram, uint32_t mark)
{
	uint64_t *gdt = (uint64_t *)(uintptr_t)(ram + CHILD_GDT);

	memcpy((void *)(uintptr_t)(ram + CHILD_ENTRY), __image_start,
	       (size_t)(__image_end - __image_start));
	gdt[0] = gdt[1] = 0;
	gdt[2] = 0x00cf9b000000ffffull;
	gdt[3] = 0x00cf93000000ffffull;
	memset(&regs, 0, sizeof(regs));
	regs.cr0 = 0x31;
	regs.cs_sel = 0x10;
	regs.ds_sel = 0x18;
	regs.gdt.base = CHILD_GDT;
	regs.gdt.limit = 0x1f;
	regs.rip = CHILD_ENTRY;
	regs.rflags = 0x2;
	regs.gprs[3] = mark;
	regs.gprs[6] = CHILD_ZP;
}

static uint32_t seq_answers; /* PORT_SEQ reads we answered */
static unsigned int count_unexpected;

/* Answer the counter's pending request, if any. */
static bool count_serve_one(void)
{
	struct io_request *slot = (struct io_request *)(uintptr_t)IOREQ_PAGE;

	if (__atomic_load_n(&slot->processed, __ATOMIC_ACQUIRE) != REQ_PENDING)
		return false;
	slot->processed = REQ_PROCESSING;
	if (slot->type == TYPE_PORTIO && slot->direction == DIR_READ && slot->addr == PORT_SEQ)
		slot->value = ++seq_answers;
	else
		count_unexpected++;
	__atomic_store_n(&slot->processed, REQ_COMPLETE, __ATOMIC_RELEASE);
	EXPECT_EQ(hcall(HC_NOTIFY_REQUEST_FINISH, vmid, 0), 0);
	return true;
}

/* Serve the counter (if @serve) and halt between our ticks until @done or @us pass. */
static bool count_wait(bool serve, bool (*done)(void), uint64_t us)
{
	uint64_t deadline = rdtsc() + tsc_us_to_ticks(us);
	bool ok = false;

	while (!(ok = done && done()) && rdtsc() < deadline) {
		irq_disable();
		if (!serve || !count_serve_one())
			safe_halt();
		irq_enable();
	}
	return ok;
}

static struct count_shared *count_view(void)
{
	return in_ram(CHILD_RAM, &count_sh);
}

static struct count_shared count_mark; /* a snapshot of the counter */

static bool count_warm(void)
{
	return count_view()->ios >= 5 && count_view()->ticks >= 3;
}

static bool count_read_pending(void)
{
	struct io_request *slot = (struct io_request *)(uintptr_t)IOREQ_PAGE;

	return __atomic_load_n(&slot->processed, __ATOMIC_ACQUIRE) == REQ_PENDING;
}

static bool count_went_on(void)
{
	struct count_shared *c = count_view();

	return c->loops > count_mark.loops && c->ios >= count_mark.ios + 3 &&
	       c->ticks >= count_mark.ticks + 2 && c->msis && c->irqs;
}

static bool count_moved(void)
{
	return count_view()->loops > count_mark.loops && count_view()->ios > count_mark.ios;
}

static void count_snapshot(void)
{
	struct count_shared *c = count_view();

	count_mark.loops = c->loops;
	count_mark.ticks = c->ticks;
	count_mark.ios = c->ios;
	count_mark.msis = c->msis;
	count_mark.irqs = c->irqs;
}

static bool count_napping(void)
{
	return count_view()->nap_state == 1;
}

static bool count_woke(void)
{
	return count_view()->nap_state == 2;
}

/*
 * The counter halts (its timer masked) until an MSI: paused and resumed
 * there, it must still be halted (no wake-up without an interrupt), and
 * wake for the MSI sent after the resume.
 */
static void pause_resume_halted(void)
{
	struct count_shared *c = count_view();

	c->nap_req = 1;
	EXPECT_TRUE(count_wait(true, count_napping, 5 * 1000 * 1000));
	count_wait(true, NULL, 30 * 1000); /* it reaches its HLT while we halt */
	EXPECT_EQ(hcall(HC_PAUSE_VM, vmid, 0), 0);
	count_wait(false, NULL, 30 * 1000);
	EXPECT_EQ(hcall(HC_START_VM, vmid, 0), 0);
	count_wait(true, NULL, 50 * 1000);
	EXPECT_EQ(c->nap_state, 1);
	EXPECT_EQ(c->empty_wakes, 0);
	msi = (struct acrn_msi){ .addr = 0xfee00000, .data = CHILD_MSI_VEC };
	EXPECT_EQ(hcall(HC_INJECT_MSI, vmid, gpa(&msi)), 0);
	EXPECT_TRUE(count_wait(true, count_woke, 5 * 1000 * 1000));
	EXPECT_EQ(c->msis, 2);
	EXPECT_EQ(c->empty_wakes, 0);
	gprintf("SERVICE: counter paused in HLT, resumed in HLT, woken by its MSI only\n");
}

/*
 * The child's third life, on our pCPU: it counts, reads PORT_SEQ every
 * 1024 loops and takes its LAPIC timer. Pause it while its read waits for
 * us, answer the read while it is paused, send it an MSI and an IOAPIC
 * edge; it must not move. Resume: everything arrives, the read finishes
 * once (the next answer it gets is the next number). Then pause, resume,
 * pause, destroy.
 */
static void pause_resume_counter(void)
{
	struct io_request *slot = (struct io_request *)(uintptr_t)IOREQ_PAGE;
	struct count_shared *c = count_view();
	uint32_t taken;

	memset(&cv, 0, sizeof(cv));
	memcpy(cv.name, "child", 6);
	EXPECT_EQ(hcall(HC_CREATE_VM, gpa(&cv), 0), 0);
	vmid = cv.vmid;
	EXPECT_EQ(map(0, 0, CHILD_RAM, CHILD_SIZE), 0);
	child_image(CHILD_RAM, COUNT_MARK);
	EXPECT_EQ(hcall(HC_SET_VCPU_REGS, vmid, gpa(&regs)), 0);
	memset((void *)(uintptr_t)IOREQ_PAGE, 0, 4096);
	scratch[0] = IOREQ_PAGE;
	EXPECT_EQ(hcall(HC_SET_IOREQ_BUFFER, vmid, gpa(scratch)), 0);
	EXPECT_EQ(hcall(HC_START_VM, vmid, 0), 0);
	tick_start();
	EXPECT_TRUE(count_wait(true, count_warm, 10 * 1000 * 1000));

	/* Its read waits for us: pause it there, then answer it. */
	EXPECT_TRUE(count_wait(false, count_read_pending, 5 * 1000 * 1000));
	EXPECT_EQ(hcall(HC_PAUSE_VM, vmid, 0), 0);
	/* Paused: the page holds its request, and START_VM does not reset it. */
	scratch[0] = IOREQ_PAGE;
	EXPECT_EQ(hcall(HC_SET_IOREQ_BUFFER, vmid, gpa(scratch)), -EBUSY);
	EXPECT_TRUE(count_serve_one());
	EXPECT_EQ(hcall(HC_NOTIFY_REQUEST_FINISH, vmid, 0), -EINVAL); /* once only */
	msi = (struct acrn_msi){ .addr = 0xfee00000, .data = CHILD_MSI_VEC };
	EXPECT_EQ(hcall(HC_INJECT_MSI, vmid, gpa(&msi)), 0);
	EXPECT_EQ(hcall(HC_SET_IRQLINE, vmid, (2ull << 32) | CHILD_GSI), 0);
	count_snapshot();
	count_wait(false, NULL, 100 * 1000);
	EXPECT_EQ(c->loops, count_mark.loops);
	EXPECT_EQ(c->ticks, count_mark.ticks);
	EXPECT_EQ(c->ios, count_mark.ios);
	EXPECT_EQ(c->msis + c->irqs, 0);
	EXPECT_EQ(slot->processed, REQ_COMPLETE); /* answered, not yet taken */
	gprintf("SERVICE: counter stopped while paused at %lu loops, %u ticks, %u reads\n",
	        count_mark.loops, count_mark.ticks, count_mark.ios);

	EXPECT_EQ(hcall(HC_START_VM, vmid, 0), 0);
	EXPECT_TRUE(count_wait(true, count_went_on, 10 * 1000 * 1000));
	EXPECT_EQ(c->bad_seq, 0);
	EXPECT_EQ(c->fpu_bad, 0);
	EXPECT_EQ(c->msis, 1);
	EXPECT_EQ(c->irqs, 1);
	gprintf("SERVICE: counter resumed: %lu loops, %u ticks, %u reads, %u out of order\n",
	        c->loops, c->ticks, c->ios, c->bad_seq);

	pause_resume_halted();

	EXPECT_EQ(hcall(HC_PAUSE_VM, vmid, 0), 0);
	count_snapshot();
	EXPECT_EQ(hcall(HC_START_VM, vmid, 0), 0);
	EXPECT_EQ(hcall(HC_START_VM, vmid, 0), -EBUSY); /* running */
	EXPECT_TRUE(count_wait(true, count_moved, 10 * 1000 * 1000));
	EXPECT_EQ(hcall(HC_PAUSE_VM, vmid, 0), 0);
	tick_stop();
	/*
	 * Every answer taken exactly once: the last may still wait, answered, in
	 * its slot, or be in RAX with the count not yet stored (paused between).
	 */
	taken = c->ios + (slot->processed == REQ_COMPLETE);
	EXPECT_TRUE(taken == seq_answers || taken + 1 == seq_answers);
	EXPECT_EQ(c->bad_seq, 0);
	EXPECT_EQ(c->fpu_bad, 0);
	EXPECT_EQ(count_unexpected, 0);
	EXPECT_EQ(hcall(HC_DESTROY_VM, vmid, 0), 0);
	gprintf("SERVICE: counter paused, resumed, paused and destroyed after %u reads\n",
	        seq_answers);
}

static struct spin_shared *spin_view(void)
{
	return in_ram(SPIN_RAM, &spin_sh);
}

static uint64_t spin_mark;

static bool spin_moved(void)
{
	return spin_view()->count > spin_mark + 1000;
}

/*
 * The spinner runs on the other pCPU, sharing it with the witness: a pause
 * stops it there, often with its x87 state still in the registers. Each
 * round it must stand still while paused and count on, its x87 count in
 * step, after the resume.
 */
static void pause_resume_spinner(void)
{
	struct spin_shared *sp = spin_view();

	tick_start();
	spin_mark = 0;
	EXPECT_TRUE(count_wait(false, spin_moved, 5 * 1000 * 1000));
	for (unsigned i = 0; i < 4; i++) {
		EXPECT_EQ(hcall(HC_PAUSE_VM, spin_vmid, 0), 0);
		spin_mark = sp->count;
		count_wait(false, NULL, 30 * 1000);
		EXPECT_EQ(sp->count, spin_mark);
		EXPECT_EQ(hcall(HC_START_VM, spin_vmid, 0), 0);
		EXPECT_TRUE(count_wait(false, spin_moved, 5 * 1000 * 1000));
	}
	tick_stop();
	EXPECT_EQ(sp->fpu_bad, 0);
	gprintf("SERVICE: spinner paused and resumed 4 times, %lu counts, %lu with x87 off step\n",
	        sp->count, sp->fpu_bad);
}

static void service_main(void)
{
	TEST_START("service");
	irq_set_handler(UPCALL_VECTOR, isr_upcall);
	x2apic_enable();
	irq_enable();
	hostile_before_create();
	create_child();
	give_memory();
	load_child();
	setup_io();
	EXPECT_EQ(hcall(HC_START_VM, vmid, 0), 0);
	gprintf("SERVICE: child started\n");
	start_spinner();
	hostile_while_running();
	tick_start();
	serve_child();
	tick_stop();

	EXPECT_TRUE(child_off);
	EXPECT_GE(upcalls, 1);
	EXPECT_EQ(seen_write, 0x12345678);
	EXPECT_EQ(seen_mmio_write, 0xA5A5);
	EXPECT_EQ(irq_ack, 1);
	EXPECT_EQ(msi_ack, 1);
	EXPECT_EQ(posted_pio, 1);
	EXPECT_EQ(posted_mmio, 1);
	EXPECT_TRUE(!posted_as_ioreq);
	EXPECT_EQ(unexpected, 0);
	gprintf("SERVICE: served %u requests, %u upcalls, %u+%u posted\n", requests, upcalls,
	        posted_pio, posted_mmio);

	/* The child waits for its power-off port: pause (it shares our pCPU), reset. */
	EXPECT_EQ(hcall(HC_PAUSE_VM, vmid, 0), 0);
	EXPECT_EQ(hcall(HC_RESET_VM, vmid, 0), 0);
	EXPECT_EQ(hcall(HC_RESET_VM, vmid, 0), -EBUSY);
	crash_child();
	EXPECT_EQ(hcall(HC_DESTROY_VM, vmid, 0), 0);
	pause_resume_counter();
	serve_spinner_hellos();
	/* The spinner runs on pCPU 1 in guest mode by now: pausing it reaches over. */
	EXPECT_EQ(hcall(HC_DESTROY_VM, spin_vmid, 0), -EBUSY);
	pause_resume_spinner();
	EXPECT_EQ(hcall(HC_PAUSE_VM, spin_vmid, 0), 0);
	EXPECT_EQ(hcall(HC_DESTROY_VM, spin_vmid, 0), 0);
	gprintf("SERVICE: spinner paused and destroyed\n");
	gprintf("SERVICE: child destroyed\n");
	EXPECT_EQ(hcall(HC_START_VM, vmid, 0), -EINVAL);
	EXPECT_EQ(hcall(HC_DESTROY_VM, vmid, 0), -EINVAL);
	/* Its memory came back zeroed. */
	EXPECT_EQ(*(volatile uint64_t *)(uintptr_t)(CHILD_RAM + CHILD_ENTRY), 0);
	/* The slot can be used again. */
	memcpy(cv.name, "child", 6);
	EXPECT_EQ(hcall(HC_CREATE_VM, gpa(&cv), 0), 0);
	EXPECT_EQ(hcall(HC_DESTROY_VM, cv.vmid, 0), 0);
	TEST_END();
}

/* ---- the child ---- */

static volatile unsigned int child_irqs, child_msis;

static void isr_child_irq(struct isr_frame *f)
{
	(void)f;
	child_irqs++;
	x2apic_eoi();
}

static void isr_child_msi(struct isr_frame *f)
{
	(void)f;
	child_msis++;
	x2apic_eoi();
}

static void ioapic_route(unsigned pin, uint8_t vector)
{
	mmio_write32(IOAPIC_BASE, 0x10 + 2 * pin + 1);
	mmio_write32(IOAPIC_BASE + 0x10, 0); /* destination APIC id 0 */
	mmio_write32(IOAPIC_BASE, 0x10 + 2 * pin);
	mmio_write32(IOAPIC_BASE + 0x10, vector); /* fixed, edge, unmasked */
}

static void child_main(void)
{
	TEST_START("child");
	irq_set_handler(CHILD_IRQ_VEC, isr_child_irq);
	irq_set_handler(CHILD_MSI_VEC, isr_child_msi);
	x2apic_enable();

	/* Port I/O the device model serves. */
	EXPECT_EQ(inl(PORT_READ32), VAL_READ32);
	EXPECT_EQ(inb(PORT_READ8), VAL_READ8);
	outl(PORT_WRITE, 0x12345678);
	/* MMIO: a read the device model answers, a write it sees. */
	EXPECT_EQ(mmio_read32(MMIO_BASE), VAL_MMIO);
	mmio_write32(MMIO_BASE + 4, 0xA5A5);
	/* Posted notifications: no round trip. */
	outw(PORT_POSTED, 1);
	mmio_write32(MMIO_POSTED, 1);

	/* An IOAPIC line the device model raises. */
	ioapic_route(CHILD_GSI, CHILD_IRQ_VEC);
	irq_enable();
	outb(PORT_IRQ_RDY, 1);
	EXPECT_TRUE(wait_flag_irq(&child_irqs, 2000000));
	outl(PORT_IRQ_ACK, child_irqs);
	/* An MSI. */
	outb(PORT_MSI_RDY, 1);
	EXPECT_TRUE(wait_flag_irq(&child_msis, 2000000));
	outl(PORT_MSI_ACK, child_msis);
	irq_disable();
	TEST_END();
}

/* A count kept on the x87 stack beside one in memory: st0 += st1 (= 1) per step. */
static void fpu_count_init(void)
{
	asm volatile("fninit; fld1; fldz" ::: "memory");
}

static uint64_t fpu_count_step(void)
{
	uint64_t v;

	asm volatile("fadd %%st(1), %%st\n\tfld %%st(0)\n\tfistpll %0" : "=m"(v) : : "memory");
	return v;
}

static void child_spin(void)
{
	outb(PORT_HELLO, 1);
	outb(PORT_HELLO + 1, 1);
	fpu_count_init();
	for (;;) {
		uint64_t f = fpu_count_step();

		if (f != ++spin_sh.count)
			spin_sh.fpu_bad++;
		cpu_relax();
	}
}

static void isr_count_tick(struct isr_frame *f)
{
	(void)f;
	count_sh.ticks++;
	x2apic_eoi();
}

static void isr_count_msi(struct isr_frame *f)
{
	(void)f;
	count_sh.msis++;
	x2apic_eoi();
}

static void isr_count_irq(struct isr_frame *f)
{
	(void)f;
	count_sh.irqs++;
	x2apic_eoi();
}

/* HLT, the timer masked, until an MSI; count the wake-ups no interrupt explains. */
static void child_nap(void)
{
	uint32_t before = count_sh.msis;

	wrmsr(X2APIC_LVT_TIMER, APIC_LVT_MASKED | APIC_TIMER_PERIODIC | COUNT_TICK_VEC);
	irq_disable();
	count_sh.nap_state = 1;
	while (count_sh.msis == before) {
		uint32_t t = count_sh.ticks, i = count_sh.irqs;

		safe_halt();
		irq_disable();
		if (count_sh.msis == before && count_sh.ticks == t && count_sh.irqs == i)
			count_sh.empty_wakes++;
	}
	count_sh.nap_state = 2;
	wrmsr(X2APIC_LVT_TIMER, APIC_TIMER_PERIODIC | COUNT_TICK_VEC);
	irq_enable();
}

/* Count until destroyed: a PORT_SEQ read every 1024 loops, a 100 Hz LAPIC timer. */
static void child_count(void)
{
	idt_init();
	irq_set_handler(COUNT_TICK_VEC, isr_count_tick);
	irq_set_handler(CHILD_MSI_VEC, isr_count_msi);
	irq_set_handler(CHILD_IRQ_VEC, isr_count_irq);
	x2apic_enable();
	ioapic_route(CHILD_GSI, CHILD_IRQ_VEC);
	wrmsr(X2APIC_TDCR, APIC_TDCR_DIV1);
	wrmsr(X2APIC_LVT_TIMER, APIC_TIMER_PERIODIC | COUNT_TICK_VEC);
	wrmsr(X2APIC_TMICT, apic_timer_hz() / 100);
	fpu_count_init();
	irq_enable();
	for (;;) {
		uint64_t n = ++count_sh.loops;

		if (fpu_count_step() != n)
			count_sh.fpu_bad++;
		if (count_sh.nap_req && !count_sh.nap_state)
			child_nap();
		if (n % 1024)
			continue;
		/* A request re-sent or dropped around a pause breaks the sequence. */
		if (inl(PORT_SEQ) != count_sh.ios + 1)
			count_sh.bad_seq++;
		count_sh.ios++;
	}
}

static void child_crash(void)
{
	struct {
		uint16_t limit;
		uint64_t base;
	} __attribute__((packed)) empty = { 0, 0 };
	uint16_t cs;

	console_init();
	asm volatile("mov %%cs, %0" : "=r"(cs));
	gprintf("CHILD: 64-bit entry, cr3 0x%lx cs 0x%x lma %u\n", read_cr3(), cs,
	        (unsigned)((rdmsr(0xc0000080) >> 10) & 1));

	asm volatile("lidt %0\n\tint3\n\tud2" : : "m"(empty) : "memory");
}

void guest_main(void)
{
	if (guest_vcpu_index == CHILD_MARK)
		child_main();
	if (guest_vcpu_index == CHILD_CRASH)
		child_crash();
	if (guest_vcpu_index == SPIN_MARK)
		child_spin();
	if (guest_vcpu_index == COUNT_MARK)
		child_count();
	service_main();
}

#else
#error "the service guest runs in long mode: it needs R8 for hypercalls"
#endif
