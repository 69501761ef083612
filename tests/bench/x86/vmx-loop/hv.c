// SPDX-License-Identifier: BSD-3-Clause
/*
 * The smallest VMX host that can measure exit cost: VMXON, one VMCS, an EPT
 * that maps the first GiB 1:1 (so the MMIO address 0xfeb00008 is a hole),
 * and a 32-bit unrestricted guest (vmrun-loop's guest.S) that makes N port
 * writes and N reads from the hole. Exits are handled with no decoding:
 * RIP advances by the exit's instruction-length field (I/O, VMCALL) or by
 * the known 2 bytes of "movl (%ebx), %eax" (the SDM leaves that field
 * undefined for EPT violations). The rates it prints are the floor for any
 * hypervisor on this board; tests/bench/vmx-exits divides ours by them.
 * Field encodings and bit numbers follow the Intel SDM vol. 3, appendices
 * A and B. Ends Bochs through its shutdown port 0x8900.
 * "BENCH: pio start", "BENCH: pio done" and "BENCH: mmio done" mark the
 * phase boundaries, as bench-exits prints them, for vmx-exits' wall-time
 * rates; the TSC intervals leave those prints out.
 */
#include <stdbool.h>
#include <stdint.h>

#include "baseline.h"

#define MMIO_HOLE 0xfeb00008ull

/* 16-bit fields. */
#define VPID         0x0000
#define GUEST_ES_SEL 0x0800 /* ES CS SS DS FS GS LDTR TR, 2 apart */
#define HOST_ES_SEL  0x0c00
#define HOST_CS_SEL  0x0c02
#define HOST_SS_SEL  0x0c04
#define HOST_DS_SEL  0x0c06
#define HOST_FS_SEL  0x0c08
#define HOST_GS_SEL  0x0c0a
#define HOST_TR_SEL  0x0c0c
/* 64-bit fields. */
#define EPT_POINTER     0x201a
#define GUEST_PHYS_ADDR 0x2400
#define GUEST_LINK_PTR  0x2800
#define GUEST_DEBUGCTL  0x2802
#define GUEST_EFER      0x2806
#define HOST_EFER       0x2c02
/* 32-bit fields. */
#define CTL_PIN           0x4000
#define CTL_PROC          0x4002
#define CTL_EXC_BITMAP    0x4004
#define CTL_CR3_TARGETS   0x400a
#define CTL_EXIT          0x400c
#define CTL_EXIT_MSR_ST   0x400e
#define CTL_EXIT_MSR_LD   0x4010
#define CTL_ENTRY         0x4012
#define CTL_ENTRY_MSR_LD  0x4014
#define CTL_ENTRY_INTR    0x4016
#define CTL_PROC2         0x401e
#define VM_INSN_ERROR     0x4400
#define EXIT_REASON       0x4402
#define EXIT_INSN_LEN     0x440c
#define GUEST_ES_LIMIT    0x4800 /* ES .. TR, 2 apart */
#define GUEST_GDTR_LIMIT  0x4810
#define GUEST_IDTR_LIMIT  0x4812
#define GUEST_ES_AR       0x4814 /* ES .. TR, 2 apart */
#define GUEST_INTR_STATE  0x4824
#define GUEST_ACTIVITY    0x4826
#define GUEST_SYSENTER_CS 0x482a
#define HOST_SYSENTER_CS  0x4c00
/* Natural-width fields. */
#define CR0_MASK            0x6000
#define CR4_MASK            0x6002
#define EXIT_QUAL           0x6400
#define GUEST_CR0           0x6800
#define GUEST_CR3           0x6802
#define GUEST_CR4           0x6804
#define GUEST_ES_BASE       0x6806 /* ES .. TR, 2 apart */
#define GUEST_GDTR_BASE     0x6816
#define GUEST_IDTR_BASE     0x6818
#define GUEST_DR7           0x681a
#define GUEST_RSP           0x681c
#define GUEST_RIP           0x681e
#define GUEST_RFLAGS        0x6820
#define GUEST_PENDING_DBG   0x6822
#define GUEST_SYSENTER_ESP  0x6824
#define GUEST_SYSENTER_EIP  0x6826
#define HOST_CR0            0x6c00
#define HOST_CR3            0x6c02
#define HOST_CR4            0x6c04
#define HOST_FS_BASE        0x6c06
#define HOST_GS_BASE        0x6c08
#define HOST_TR_BASE        0x6c0a
#define HOST_GDTR_BASE      0x6c0c
#define HOST_IDTR_BASE      0x6c0e
#define HOST_SYSENTER_ESP   0x6c10
#define HOST_SYSENTER_EIP   0x6c12
#define HOST_RIP            0x6c16

#define MSR_FEATURE_CONTROL 0x03a
#define MSR_VMX_BASIC       0x480
#define MSR_VMX_CR0_FIXED0  0x486
#define MSR_VMX_CR0_FIXED1  0x487
#define MSR_VMX_CR4_FIXED0  0x488
#define MSR_VMX_CR4_FIXED1  0x489
#define MSR_VMX_PROCBASED2  0x48b
#define MSR_VMX_TRUE_PIN    0x48d
#define MSR_VMX_TRUE_PROC   0x48e
#define MSR_VMX_TRUE_EXIT   0x48f
#define MSR_VMX_TRUE_ENTRY  0x490
#define MSR_EFER            0xc0000080

#define PROC_HLT            (1u << 7)
#define PROC_UNCOND_IO      (1u << 24)
#define PROC_SECONDARY      (1u << 31)
#define PROC2_EPT           (1u << 1)
#define PROC2_VPID          (1u << 5)
#define PROC2_UNRESTRICT    (1u << 7)
#define EXIT_HOST_64        (1u << 9)
#define EXIT_LOAD_EFER      (1u << 21)
#define ENTRY_LOAD_EFER     (1u << 15)

#define REASON_TRIPLE       2
#define REASON_HLT          12
#define REASON_VMCALL       18
#define REASON_IO           30
#define REASON_EPT_VIOL     48

struct guest_gprs {
	uint64_t rax, rcx, rdx, rbx, rbp, rsi, rdi, r8, r9, r10, r11, r12, r13, r14, r15;
};

int vmx_run(struct guest_gprs *g, int launched);
void hv_main(uint32_t mbi);
extern char vmx_exit[];
extern char guest_entry[];
extern volatile uint32_t guest_count;

static uint8_t vmxon_region[4096] __attribute__((aligned(4096)));
static uint8_t vmcs[4096] __attribute__((aligned(4096)));
static uint64_t ept_pml4[512] __attribute__((aligned(4096)));
static uint64_t ept_pdpt[512] __attribute__((aligned(4096)));
static uint64_t ept_pd[512] __attribute__((aligned(4096)));
static uint8_t host_tss[128] __attribute__((aligned(16)));
static uint8_t guest_stack[4096] __attribute__((aligned(16)));
static struct guest_gprs gprs;

#define CR_READ(n)                                            \
	static inline uint64_t read_cr##n(void)               \
	{                                                     \
		uint64_t v;                                   \
		asm volatile("mov %%cr" #n ", %0" : "=r"(v)); \
		return v;                                     \
	}
CR_READ(0)
CR_READ(3)
CR_READ(4)

static inline uint64_t vmread(uint32_t field)
{
	uint64_t v;

	asm volatile("vmread %1, %0" : "=r"(v) : "r"((uint64_t)field) : "cc");
	return v;
}

static bool vmwrite_ok = true;

static inline void vmwrite(uint32_t field, uint64_t v)
{
	bool ok;

	asm volatile("vmwrite %1, %2; seta %0" : "=qm"(ok) : "r"(v), "r"((uint64_t)field) : "cc");
	vmwrite_ok &= ok;
}

/* COM1 at 115200 8N1: Bochs sends what the line control register says, and
 * nothing has set it when GRUB hands over. */
static void serial_init(void)
{
	outb(0x3f9, 0x00);
	outb(0x3fb, 0x80);
	outb(0x3f8, 0x01);
	outb(0x3f9, 0x00);
	outb(0x3fb, 0x03);
	outb(0x3fa, 0xc7);
	outb(0x3fc, 0x03);
}

/*
 * Bochs exits when "Shutdown" is written to port 0x8900. The line before it
 * is the one acrn-board judges a run by, as for our hypervisor.
 */
static void __attribute__((noreturn)) bochs_exit(bool ok)
{
	puts_serial(ok ? "vmx-loop: board power-off (orderly)\n"
	               : "vmx-loop: board power-off (failure)\n");
	/* Let the UART send the last byte: Bochs stops at once. */
	for (int i = 0; i < 100000 && !(inb(0x3fd) & 0x40); i++)
		;
	for (const char *s = "Shutdown"; *s; s++)
		outb(0x8900, (uint8_t)*s);
	for (;;)
		asm volatile("cli; hlt");
}

static void fail(const char *what, uint64_t v)
{
	puts_serial("vmx-loop: FAIL ");
	puts_serial(what);
	puts_serial(" 0x");
	put_u64(v, 16);
	puts_serial("\n");
	bochs_exit(false);
}

/* Allowed-0 bits (low half) must be set, allowed-1 bits (high half) may be. */
static uint32_t adjust(uint32_t msr, uint32_t want)
{
	uint64_t cap = rdmsr(msr);

	if ((want & (uint32_t)(cap >> 32)) != want)
		fail("control not allowed, MSR", msr);
	return want | (uint32_t)cap;
}

static void guest_seg(unsigned int i, uint16_t sel, uint32_t ar, uint32_t limit)
{
	vmwrite(GUEST_ES_SEL + 2 * i, sel);
	vmwrite(GUEST_ES_LIMIT + 2 * i, limit);
	vmwrite(GUEST_ES_AR + 2 * i, ar);
	vmwrite(GUEST_ES_BASE + 2 * i, 0);
}

static void setup_vmcs(void)
{
	struct __attribute__((packed)) {
		uint16_t limit;
		uint64_t base;
	} gdtr, idtr;
	uint64_t cr0;

	/* EPT: GPA 0..1 GiB -> HPA 1:1, 2 MiB write-back pages, RWX. */
	ept_pml4[0] = (uintptr_t)ept_pdpt | 0x7;
	ept_pdpt[0] = (uintptr_t)ept_pd | 0x7;
	for (uint64_t i = 0; i < 512; i++)
		ept_pd[i] = (i << 21) | (1u << 7) | (6u << 3) | 0x7;

	vmwrite(CTL_PIN, adjust(MSR_VMX_TRUE_PIN, 0));
	vmwrite(CTL_PROC, adjust(MSR_VMX_TRUE_PROC, PROC_HLT | PROC_UNCOND_IO | PROC_SECONDARY));
	vmwrite(CTL_PROC2, adjust(MSR_VMX_PROCBASED2, PROC2_EPT | PROC2_VPID | PROC2_UNRESTRICT));
	vmwrite(CTL_EXIT, adjust(MSR_VMX_TRUE_EXIT, EXIT_HOST_64 | EXIT_LOAD_EFER));
	vmwrite(CTL_ENTRY, adjust(MSR_VMX_TRUE_ENTRY, ENTRY_LOAD_EFER));
	vmwrite(CTL_EXC_BITMAP, 0); /* a guest fault becomes a triple-fault exit */
	vmwrite(CTL_CR3_TARGETS, 0);
	vmwrite(CTL_EXIT_MSR_ST, 0);
	vmwrite(CTL_EXIT_MSR_LD, 0);
	vmwrite(CTL_ENTRY_MSR_LD, 0);
	vmwrite(CTL_ENTRY_INTR, 0);
	vmwrite(CR0_MASK, 0);
	vmwrite(CR4_MASK, 0);
	vmwrite(EPT_POINTER, (uintptr_t)ept_pml4 | (3u << 3) | 6); /* 4 levels, WB */
	vmwrite(VPID, 1);

	/* Host: the boot GDT (0x08 code, 0x10 data); TR needs a non-zero selector
	 * but no descriptor, as the exit loads it without a GDT lookup. */
	asm volatile("sgdt %0; sidt %1" : "=m"(gdtr), "=m"(idtr));
	vmwrite(HOST_CR0, read_cr0());
	vmwrite(HOST_CR3, read_cr3());
	vmwrite(HOST_CR4, read_cr4());
	vmwrite(HOST_CS_SEL, 0x08);
	vmwrite(HOST_SS_SEL, 0x10);
	vmwrite(HOST_DS_SEL, 0x10);
	vmwrite(HOST_ES_SEL, 0x10);
	vmwrite(HOST_FS_SEL, 0);
	vmwrite(HOST_GS_SEL, 0);
	vmwrite(HOST_TR_SEL, 0x18);
	vmwrite(HOST_FS_BASE, 0);
	vmwrite(HOST_GS_BASE, 0);
	vmwrite(HOST_TR_BASE, (uintptr_t)host_tss);
	vmwrite(HOST_GDTR_BASE, gdtr.base);
	vmwrite(HOST_IDTR_BASE, idtr.base);
	vmwrite(HOST_SYSENTER_CS, 0);
	vmwrite(HOST_SYSENTER_ESP, 0);
	vmwrite(HOST_SYSENTER_EIP, 0);
	vmwrite(HOST_EFER, rdmsr(MSR_EFER));
	vmwrite(HOST_RIP, (uintptr_t)vmx_exit);

	/* Guest: 32-bit flat protected mode, paging off (unrestricted guest). */
	for (unsigned int i = 0; i < 6; i++)
		guest_seg(i, i == 1 ? 0x08 : 0x10, i == 1 ? 0xc09b : 0xc093, 0xffffffff);
	guest_seg(6, 0, 0x10000, 0); /* LDTR unusable */
	guest_seg(7, 0, 0x8b, 0xffff);
	vmwrite(GUEST_GDTR_BASE, 0);
	vmwrite(GUEST_GDTR_LIMIT, 0);
	vmwrite(GUEST_IDTR_BASE, 0);
	vmwrite(GUEST_IDTR_LIMIT, 0);
	cr0 = 0x31; /* PE | ET | NE */
	cr0 = (cr0 | (rdmsr(MSR_VMX_CR0_FIXED0) & ~0x80000001ull)) & rdmsr(MSR_VMX_CR0_FIXED1);
	vmwrite(GUEST_CR0, cr0);
	vmwrite(GUEST_CR3, 0);
	vmwrite(GUEST_CR4, rdmsr(MSR_VMX_CR4_FIXED0) & rdmsr(MSR_VMX_CR4_FIXED1));
	vmwrite(GUEST_DR7, 0x400);
	vmwrite(GUEST_DEBUGCTL, 0);
	vmwrite(GUEST_EFER, 0);
	vmwrite(GUEST_SYSENTER_CS, 0);
	vmwrite(GUEST_SYSENTER_ESP, 0);
	vmwrite(GUEST_SYSENTER_EIP, 0);
	vmwrite(GUEST_RFLAGS, 0x2);
	vmwrite(GUEST_RIP, (uintptr_t)guest_entry);
	vmwrite(GUEST_RSP, (uintptr_t)guest_stack + sizeof(guest_stack));
	vmwrite(GUEST_ACTIVITY, 0);
	vmwrite(GUEST_INTR_STATE, 0);
	vmwrite(GUEST_PENDING_DBG, 0);
	vmwrite(GUEST_LINK_PTR, ~0ull);
	if (!vmwrite_ok)
		fail("VMWRITE failed", 0);
}

static void vmx_on(void)
{
	uint64_t basic, fc, cr;
	uint32_t rev;
	bool ok;

	if (!(cpuid_ecx(1) & (1u << 5)))
		fail("no VMX in CPUID 1 ECX", cpuid_ecx(1));
	basic = rdmsr(MSR_VMX_BASIC);
	if (!(basic & (1ull << 55)))
		fail("no TRUE control MSRs, VMX_BASIC", basic);
	fc = rdmsr(MSR_FEATURE_CONTROL);
	if (!(fc & 1))
		wrmsr(MSR_FEATURE_CONTROL, fc | 0x5); /* lock, VMXON outside SMX */
	else if (!(fc & 0x4))
		fail("VMX disabled in FEATURE_CONTROL", fc);

	cr = (read_cr0() | rdmsr(MSR_VMX_CR0_FIXED0)) & rdmsr(MSR_VMX_CR0_FIXED1);
	asm volatile("mov %0, %%cr0" : : "r"(cr));
	cr = (read_cr4() | rdmsr(MSR_VMX_CR4_FIXED0) | (1u << 13)) & rdmsr(MSR_VMX_CR4_FIXED1);
	asm volatile("mov %0, %%cr4" : : "r"(cr));

	rev = (uint32_t)basic & 0x7fffffff;
	*(volatile uint32_t *)vmxon_region = rev;
	*(volatile uint32_t *)vmcs = rev;
	uint64_t pa = (uintptr_t)vmxon_region;
	asm volatile("vmxon %1; seta %0" : "=qm"(ok) : "m"(pa) : "cc", "memory");
	if (!ok)
		fail("VMXON", 0);
	pa = (uintptr_t)vmcs;
	asm volatile("vmclear %1; seta %0" : "=qm"(ok) : "m"(pa) : "cc", "memory");
	if (ok)
		asm volatile("vmptrld %1; seta %0" : "=qm"(ok) : "m"(pa) : "cc", "memory");
	if (!ok)
		fail("VMCLEAR/VMPTRLD", 0);
}

void hv_main(uint32_t mbi)
{
	uint64_t khz, t[4] = { 0 }, n_io = 0, n_ept = 0;
	unsigned int phase = 0;
	int launched = 0;
	uint32_t n;

	serial_init();
	puts_serial("vmx-loop: start\n");
	khz = tsc_khz_from_pit();
	puts_serial("vmx-loop: TSC ");
	put_u64(khz, 10);
	puts_serial(" kHz\n");
	n = count_from_cmdline(mbi);
	guest_count = n;

	vmx_on();
	setup_vmcs();

	puts_serial("BENCH: pio start\n");
	t[0] = rdtsc();
	for (;;) {
		uint32_t reason;

		if (vmx_run(&gprs, launched))
			fail("VM entry failed, VM-instruction error", vmread(VM_INSN_ERROR));
		launched = 1;
		reason = (uint32_t)vmread(EXIT_REASON);
		switch (reason) {
		case REASON_IO:
			vmwrite(GUEST_RIP, vmread(GUEST_RIP) + vmread(EXIT_INSN_LEN));
			n_io++;
			continue;
		case REASON_EPT_VIOL:
			if (vmread(GUEST_PHYS_ADDR) != MMIO_HOLE)
				fail("EPT violation at an unexpected GPA", vmread(GUEST_PHYS_ADDR));
			/* movl (%ebx), %eax: 2 bytes; an unmapped read is all ones. */
			gprs.rax = 0xffffffff;
			vmwrite(GUEST_RIP, vmread(GUEST_RIP) + 2);
			n_ept++;
			continue;
		case REASON_VMCALL:
			vmwrite(GUEST_RIP, vmread(GUEST_RIP) + vmread(EXIT_INSN_LEN));
			if (phase == 0) {
				t[1] = rdtsc();
				puts_serial("BENCH: pio done\n");
				t[2] = rdtsc();
				phase = 1;
			} else if (phase == 1) {
				t[3] = rdtsc();
				puts_serial("BENCH: mmio done\n");
				phase = 2;
			}
			continue;
		case REASON_HLT:
			break;
		default:
			puts_serial("vmx-loop: rip 0x");
			put_u64(vmread(GUEST_RIP), 16);
			puts_serial(" qualification 0x");
			put_u64(vmread(EXIT_QUAL), 16);
			puts_serial("\n");
			fail("unexpected exit reason", reason);
		}
		break;
	}

	if (phase != 2 || n_io != n || n_ept != n)
		fail("guest ended early, exits seen", n_io + n_ept);
	puts_serial("vmx-loop: ");
	put_u64(n, 10);
	puts_serial(" exits per phase, TSC ticks ");
	put_u64(t[1] - t[0], 10);
	puts_serial(" / ");
	put_u64(t[3] - t[2], 10);
	puts_serial("\n");
	report("pio", n_io, t[1] - t[0], khz);
	report("mmio", n_ept, t[3] - t[2], khz);
	bochs_exit(true);
}
