/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * AMD SVM backend of the x86 vCPU layer: VMCB setup, guest entry and exit
 * decoding into struct x86_exit. QEMU TCG gives no next-RIP and no decode
 * assists, so nothing here relies on them.
 */
#include <arch/cpu.h>
#include <arch/npt.h>
#include <arch/x86_vcpu.h>
#include <hv/errno.h>
#include <hv/lib.h>
#include <hv/log.h>
#include <hv/mm.h>
#include <hv/pcpu.h>
#include <hv/vcpu.h>
#include <hv/vm.h>

/* VMCB control area. */
#define VMCB_INTERCEPT_CR    0x000
#define VMCB_INTERCEPT_EXC   0x008
#define VMCB_INTERCEPT_MISC1 0x00C
#define VMCB_INTERCEPT_MISC2 0x010
#define VMCB_IOPM_BASE       0x040
#define VMCB_MSRPM_BASE      0x048
#define VMCB_TSC_OFFSET      0x050
#define VMCB_ASID            0x058
#define VMCB_TLB_CTL         0x05C
#define VMCB_VINTR           0x060
#define VMCB_INT_STATE       0x068
#define VMCB_EXITCODE        0x070
#define VMCB_EXITINFO1       0x078
#define VMCB_EXITINFO2       0x080
#define VMCB_EXITINTINFO     0x088
#define VMCB_NP_ENABLE       0x090
#define VMCB_EVENTINJ        0x0A8
#define VMCB_NCR3            0x0B0

/* VMCB state save area. */
#define VMCB_ES     0x400
#define VMCB_CS     0x410
#define VMCB_SS     0x420
#define VMCB_DS     0x430
#define VMCB_FS     0x440
#define VMCB_GS     0x450
#define VMCB_GDTR   0x460
#define VMCB_LDTR   0x470
#define VMCB_IDTR   0x480
#define VMCB_TR     0x490
#define VMCB_CPL    0x4CB
#define VMCB_EFER   0x4D0
#define VMCB_CR4    0x548
#define VMCB_CR3    0x550
#define VMCB_CR0    0x558
#define VMCB_DR7    0x560
#define VMCB_DR6    0x568
#define VMCB_RFLAGS 0x570
#define VMCB_RIP    0x578
#define VMCB_RSP    0x5D8
#define VMCB_RAX    0x5F8
#define VMCB_GPAT   0x668

/* Intercept bits. */
#define MISC1_INTR          BIT(0)
#define MISC1_NMI           BIT(1)
#define MISC1_INIT          BIT(3)
#define MISC1_VINTR         BIT(4)
#define MISC1_CPUID         BIT(18)
#define MISC1_INVD          BIT(22)
#define MISC1_HLT           BIT(24)
#define MISC1_IOIO          BIT(27)
#define MISC1_MSR           BIT(28)
#define MISC1_SHUTDOWN      BIT(31)
#define MISC2_ALL_SVM_INSNS 0x7F /* VMRUN VMMCALL VMLOAD VMSAVE STGI CLGI SKINIT */
#define MISC2_MONITOR       BIT(10)
#define MISC2_MWAIT         BIT(11)
#define MISC2_XSETBV        BIT(13)

#define SVM_EXIT_EXC_UD     0x46
#define SVM_EXIT_INTR       0x60
#define SVM_EXIT_NMI        0x61
#define SVM_EXIT_INIT       0x63
#define SVM_EXIT_VINTR      0x64
#define SVM_EXIT_CPUID      0x72
#define SVM_EXIT_HLT        0x78
#define SVM_EXIT_IOIO       0x7B
#define SVM_EXIT_MSR        0x7C
#define SVM_EXIT_SHUTDOWN   0x7F
#define SVM_EXIT_VMMCALL    0x81
#define SVM_EXIT_XSETBV     0x8D
#define SVM_EXIT_NPF        0x400
#define SVM_EXIT_INVALID    ((uint64_t)-1)

#define EVENT_VALID         BIT(31)
#define EVENT_ERR_VALID     BIT(11)
#define EVENT_TYPE_INTR     (0u << 8)
#define EVENT_TYPE_NMI      (2u << 8)
#define EVENT_TYPE_EXC      (3u << 8)

struct svm_vcpu {
	uint8_t *vmcb;
	paddr_t vmcb_pa;
	cpuid_t last_pcpu;
};

void svm_vmrun(struct x86_regs *regs, paddr_t vmcb, paddr_t host_vmcb);

static paddr_t iopm_pa, msrpm_pa;

#define VMCB(v, T, off) (*(volatile T *)(((struct svm_vcpu *)(v)->arch.vendor)->vmcb + (off)))

static void set_seg(uint8_t *vmcb, unsigned off, uint16_t sel, uint16_t attr, uint32_t limit,
                    uint64_t base)
{
	*(uint16_t *)(vmcb + off) = sel;
	*(uint16_t *)(vmcb + off + 2) = attr;
	*(uint32_t *)(vmcb + off + 4) = limit;
	*(uint64_t *)(vmcb + off + 8) = base;
}

static void msrpm_passthrough(uint8_t *msrpm, uint32_t msr)
{
	uint32_t base;

	if (msr < 0x2000)
		base = 0;
	else if (msr >= 0xC0000000 && msr < 0xC0002000)
		base = 0x800 * 8, msr -= 0xC0000000;
	else
		return;
	msrpm[(base + msr * 2) / 8] &= (uint8_t) ~(3u << ((msr * 2) % 8));
}

static int svm_global_init(void)
{
	uint8_t *msrpm;

	/* Intercept every port and, by default, every MSR. */
	iopm_pa = page_pool_alloc(&hv_pages, 3, 1);
	msrpm_pa = page_pool_alloc(&hv_pages, 2, 1);
	if (!iopm_pa || !msrpm_pa)
		return -ENOMEM;
	memset(hpa_to_ptr(iopm_pa), 0xFF, 3 * PAGE_SIZE);
	msrpm = hpa_to_ptr(msrpm_pa);
	memset(msrpm, 0xFF, 2 * PAGE_SIZE);
	/* State VMLOAD/VMSAVE switch per guest: safe to leave to the guest. */
	static const uint32_t passthrough[] = { MSR_FS_BASE, MSR_GS_BASE, MSR_KERNEL_GS_BASE,
		                                0xC0000081,  0xC0000082,  0xC0000083,
		                                0xC0000084,  0x174,       0x175,
		                                0x176,       0xC0000103 };
	for (unsigned i = 0; i < ARRAY_SIZE(passthrough); i++)
		msrpm_passthrough(msrpm, passthrough[i]);
	return 0;
}

static int svm_pcpu_enable(struct pcpu *p)
{
	static struct spinlock init_lock = SPINLOCK_INIT;
	int err = 0;

	spin_lock(&init_lock);
	if (!iopm_pa)
		err = svm_global_init();
	spin_unlock(&init_lock);
	if (err)
		return err;
	if (rdmsr(MSR_VM_CR) & BIT(4)) {
		pr_err("SVM is disabled by firmware (VM_CR.SVMDIS)\n");
		return -ENODEV;
	}
	p->arch.host_save_pa = page_pool_alloc(&hv_pages, 1, 1);
	p->arch.host_vmcb_pa = page_pool_alloc(&hv_pages, 1, 1);
	if (!p->arch.host_save_pa || !p->arch.host_vmcb_pa)
		return -ENOMEM;
	memset(hpa_to_ptr(p->arch.host_vmcb_pa), 0, PAGE_SIZE);
	wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_SVME);
	wrmsr(MSR_VM_HSAVE_PA, p->arch.host_save_pa);
	/* Capture host FS/GS/TR/syscall state once; restored after every exit. */
	__asm__ volatile("vmsave %%rax" : : "a"(p->arch.host_vmcb_pa) : "memory");
	return 0;
}

static int svm_vcpu_init(struct vcpu *v)
{
	/* Per VM slot and vCPU: a post-launched VM created again reuses its VMCB. */
	static struct svm_vcpu pool[MAX_VMS * SCENARIO_MAX_VCPUS];
	struct svm_vcpu *s = &pool[v->vm->id * SCENARIO_MAX_VCPUS + v->id];

	if (!s->vmcb_pa)
		s->vmcb_pa = page_pool_alloc(&hv_pages, 1, 1);
	if (!s->vmcb_pa)
		return -ENOMEM;
	s->vmcb = hpa_to_ptr(s->vmcb_pa);
	s->last_pcpu = (cpuid_t)-1;
	v->arch.vendor = s;
	return 0;
}

static void svm_vcpu_reset(struct vcpu *v, const struct x86_entry_state *e)
{
	struct svm_vcpu *s = v->arch.vendor;
	uint8_t *vmcb = s->vmcb;

	memset(vmcb, 0, PAGE_SIZE);
	*(uint32_t *)(vmcb + VMCB_INTERCEPT_EXC) = BIT(6); /* #UD: VMCALL on AMD */
	*(uint32_t *)(vmcb + VMCB_INTERCEPT_MISC1) = MISC1_INTR | MISC1_NMI | MISC1_INIT |
	                                             MISC1_CPUID | MISC1_INVD | MISC1_HLT |
	                                             MISC1_IOIO | MISC1_MSR | MISC1_SHUTDOWN;
	*(uint32_t *)(vmcb + VMCB_INTERCEPT_MISC2) =
	        MISC2_ALL_SVM_INSNS | MISC2_MONITOR | MISC2_MWAIT | MISC2_XSETBV;
	*(uint64_t *)(vmcb + VMCB_IOPM_BASE) = iopm_pa;
	*(uint64_t *)(vmcb + VMCB_MSRPM_BASE) = msrpm_pa;
	/* One ASID per VM: its vCPUs share the guest-physical space. */
	*(uint32_t *)(vmcb + VMCB_ASID) = 1 + v->vm->id % (x86_features.svm_nr_asids - 1);
	*(uint8_t *)(vmcb + VMCB_TLB_CTL) = 1;
	*(uint64_t *)(vmcb + VMCB_VINTR) = BIT(24); /* V_INTR_MASKING */
	*(uint64_t *)(vmcb + VMCB_NP_ENABLE) = 1;
	*(uint64_t *)(vmcb + VMCB_NCR3) = v->vm->stage2.root;

	if (e->protected_mode) {
		/* 64-bit code: L=1, D=0. */
		set_seg(vmcb, VMCB_CS, e->cs_selector, e->long_mode ? 0xA9B : 0xC9B, 0xFFFFFFFF, 0);
		for (unsigned off = VMCB_ES; off <= VMCB_GS; off += 16) {
			if (off != VMCB_CS)
				set_seg(vmcb, off, e->ds_selector, 0xC93, 0xFFFFFFFF, 0);
		}
		*(uint64_t *)(vmcb + VMCB_CR0) = CR0_PE | CR0_ET | CR0_NE;
	} else {
		set_seg(vmcb, VMCB_CS, e->cs_selector, 0x9B, 0xFFFF, e->cs_base);
		for (unsigned off = VMCB_ES; off <= VMCB_GS; off += 16) {
			if (off != VMCB_CS)
				set_seg(vmcb, off, 0, 0x93, 0xFFFF, 0);
		}
		*(uint64_t *)(vmcb + VMCB_CR0) = CR0_ET | CR0_NE;
	}
	set_seg(vmcb, VMCB_GDTR, 0, 0, e->protected_mode ? e->gdt_limit : 0xFFFF,
	        e->protected_mode ? e->gdt_base : 0);
	set_seg(vmcb, VMCB_IDTR, 0, 0, 0xFFFF, 0);
	set_seg(vmcb, VMCB_LDTR, 0, 0x82, 0xFFFF, 0);
	set_seg(vmcb, VMCB_TR, 0, 0x8B, 0xFFFF, 0);
	*(uint64_t *)(vmcb + VMCB_EFER) = EFER_SVME; /* required by VMRUN; hidden from the guest */
	if (e->protected_mode && e->long_mode) {
		*(uint64_t *)(vmcb + VMCB_CR0) |= CR0_PG;
		*(uint64_t *)(vmcb + VMCB_CR3) = e->cr3;
		*(uint64_t *)(vmcb + VMCB_CR4) = e->cr4;
		*(uint64_t *)(vmcb + VMCB_EFER) |= EFER_LME | EFER_LMA;
	}
	*(uint64_t *)(vmcb + VMCB_DR6) = 0xFFFF0FF0;
	*(uint64_t *)(vmcb + VMCB_DR7) = 0x400;
	*(uint64_t *)(vmcb + VMCB_GPAT) = 0x0007040600070406ULL;
	memset(&v->arch.regs, 0, sizeof(v->arch.regs));
	v->arch.regs.rip = e->rip;
	v->arch.regs.rflags = 0x2;
	v->arch.regs.gpr[6] = e->rsi;
	v->arch.regs.gpr[3] = e->rbx;
	s->last_pcpu = (cpuid_t)-1;
}

__hot static void decode_exit(struct vcpu *v, struct x86_exit *x)
{
	uint64_t code = VMCB(v, uint64_t, VMCB_EXITCODE);
	uint64_t info1 = VMCB(v, uint64_t, VMCB_EXITINFO1);
	uint64_t info2 = VMCB(v, uint64_t, VMCB_EXITINFO2);

	x->raw = code;
	x->insn_len = 0;
	switch (code) {
	case SVM_EXIT_INTR:
	case SVM_EXIT_NMI:
		x->reason = X86_EXIT_NONE;
		break;
	case SVM_EXIT_IOIO:
		x->reason = X86_EXIT_IO;
		x->io.in = info1 & 1;
		x->io.string = info1 & BIT(2);
		x->io.rep = info1 & BIT(3);
		x->io.size = (info1 & BIT(4)) ? 1 : (info1 & BIT(5)) ? 2 : 4;
		x->io.port = (uint16_t)(info1 >> 16);
		x->io.next_rip = info2; /* SVM always provides it for IOIO */
		x->insn_len = (uint8_t)(info2 - v->arch.regs.rip);
		break;
	case SVM_EXIT_NPF:
		x->reason = X86_EXIT_MMIO;
		x->mmio.gpa = info2;
		x->mmio.write = info1 & BIT(1);
		x->mmio.fetch = info1 & BIT(4);
		break;
	case SVM_EXIT_CPUID:
		x->reason = X86_EXIT_CPUID;
		x->insn_len = 2;
		break;
	case SVM_EXIT_MSR:
		x->reason = info1 ? X86_EXIT_WRMSR : X86_EXIT_RDMSR;
		x->insn_len = 2;
		break;
	case SVM_EXIT_HLT:
		x->reason = X86_EXIT_HLT;
		x->insn_len = 1;
		break;
	case SVM_EXIT_XSETBV:
		x->reason = X86_EXIT_XSETBV;
		x->insn_len = 3;
		break;
	case SVM_EXIT_VMMCALL:
		x->reason = X86_EXIT_HYPERCALL;
		x->insn_len = 3;
		break;
	case SVM_EXIT_VINTR:
		x->reason = X86_EXIT_IRQ_WINDOW;
		break;
	case SVM_EXIT_SHUTDOWN:
		x->reason = X86_EXIT_TRIPLE_FAULT;
		break;
	case SVM_EXIT_EXC_UD:
		x->reason = X86_EXIT_UD;
		break;
	case SVM_EXIT_INVALID:
		x->reason = X86_EXIT_INVALID;
		break;
	default:
		x->reason = X86_EXIT_UNKNOWN;
		break;
	}
}

__hot static void svm_run(struct vcpu *v, struct x86_exit *x)
{
	struct svm_vcpu *s = v->arch.vendor;
	struct pcpu *p = this_pcpu();
	uint64_t intinfo;

	VMCB(v, uint64_t, VMCB_RAX) = v->arch.regs.gpr[0];
	VMCB(v, uint64_t, VMCB_RSP) = v->arch.regs.gpr[4];
	VMCB(v, uint64_t, VMCB_RIP) = v->arch.regs.rip;
	VMCB(v, uint64_t, VMCB_RFLAGS) = v->arch.regs.rflags;
	/* Another vCPU may have run here since: flush this ASID's translations. */
	if (s->last_pcpu != p->id || p->arch.fpu_owner != v)
		VMCB(v, uint8_t, VMCB_TLB_CTL) = 1;
	s->last_pcpu = p->id;

	__asm__ volatile("clgi; sti" ::: "memory");
	v->in_guest = true;
	svm_vmrun(&v->arch.regs, s->vmcb_pa, p->arch.host_vmcb_pa);
	v->in_guest = false;
	/* GIF=1 with IF=1: a pending host interrupt is taken right here. */
	__asm__ volatile("stgi; cli" ::: "memory");

	VMCB(v, uint8_t, VMCB_TLB_CTL) = 0;
	v->arch.regs.gpr[0] = VMCB(v, uint64_t, VMCB_RAX);
	v->arch.regs.gpr[4] = VMCB(v, uint64_t, VMCB_RSP);
	v->arch.regs.rip = VMCB(v, uint64_t, VMCB_RIP);
	v->arch.regs.rflags = VMCB(v, uint64_t, VMCB_RFLAGS);

	/* An event interrupted by the exit must be delivered again. */
	intinfo = VMCB(v, uint64_t, VMCB_EXITINTINFO);
	VMCB(v, uint64_t, VMCB_EVENTINJ) = (intinfo & EVENT_VALID) ? intinfo : 0;
	decode_exit(v, x);
}

__hot static void svm_get_sregs(struct vcpu *v, struct x86_sregs *s)
{
	uint16_t cs_attr = VMCB(v, uint16_t, VMCB_CS + 2);

	s->cr0 = VMCB(v, uint64_t, VMCB_CR0);
	s->cr3 = VMCB(v, uint64_t, VMCB_CR3);
	s->cr4 = VMCB(v, uint64_t, VMCB_CR4);
	s->efer = VMCB(v, uint64_t, VMCB_EFER);
	s->cpl = VMCB(v, uint8_t, VMCB_CPL);
	s->cs_base = VMCB(v, uint64_t, VMCB_CS + 8);
	s->cs_l = cs_attr & BIT(9);
	s->cs_db = cs_attr & BIT(10);
}

static uint64_t svm_get_efer(struct vcpu *v)
{
	return VMCB(v, uint64_t, VMCB_EFER) & ~EFER_SVME;
}

static void svm_set_efer(struct vcpu *v, uint64_t efer)
{
	uint64_t lma = VMCB(v, uint64_t, VMCB_EFER) & EFER_LMA;

	/* LMA is the CPU's to set; SVME must stay on for VMRUN. */
	VMCB(v, uint64_t, VMCB_EFER) = (efer & ~EFER_LMA) | lma | EFER_SVME;
}

static uint64_t svm_get_pat(struct vcpu *v)
{
	return VMCB(v, uint64_t, VMCB_GPAT);
}

static void svm_set_pat(struct vcpu *v, uint64_t pat)
{
	VMCB(v, uint64_t, VMCB_GPAT) = pat;
}

__hot static bool svm_event_pending(struct vcpu *v)
{
	return VMCB(v, uint64_t, VMCB_EVENTINJ) & EVENT_VALID;
}

__hot static bool svm_irq_allowed(struct vcpu *v)
{
	return (v->arch.regs.rflags & RFLAGS_IF) && !(VMCB(v, uint64_t, VMCB_INT_STATE) & 1) &&
	       !svm_event_pending(v);
}

static void svm_inject_irq(struct vcpu *v, uint8_t vector)
{
	VMCB(v, uint64_t, VMCB_EVENTINJ) = EVENT_VALID | EVENT_TYPE_INTR | vector;
}

static void svm_inject_nmi(struct vcpu *v)
{
	VMCB(v, uint64_t, VMCB_EVENTINJ) = EVENT_VALID | EVENT_TYPE_NMI | 2;
}

static void svm_inject_exception(struct vcpu *v, uint8_t vector, bool has_error, uint32_t error)
{
	uint64_t ev = EVENT_VALID | EVENT_TYPE_EXC | vector;

	if (has_error)
		ev |= EVENT_ERR_VALID | ((uint64_t)error << 32);
	VMCB(v, uint64_t, VMCB_EVENTINJ) = ev;
}

__hot static void svm_request_irq_window(struct vcpu *v, bool on)
{
	/* A virtual interrupt with V_IGN_TPR makes the CPU exit once IF opens. */
	if (on) {
		VMCB(v, uint64_t, VMCB_VINTR) |= BIT(8) | BIT(20);
		VMCB(v, uint32_t, VMCB_INTERCEPT_MISC1) |= MISC1_VINTR;
	} else {
		VMCB(v, uint64_t, VMCB_VINTR) &= ~(BIT(8) | BIT(20));
		VMCB(v, uint32_t, VMCB_INTERCEPT_MISC1) &= ~MISC1_VINTR;
	}
}

/* Flush this VM's ASID at the next VMRUN. */
static void svm_flush_stage2(struct vcpu *v)
{
	VMCB(v, uint8_t, VMCB_TLB_CTL) = 1;
}

const struct x86_vendor_ops svm_ops = {
	.name = "SVM",
	.stage2_fmt = &x86_npt_fmt,
	.pcpu_enable = svm_pcpu_enable,
	.vcpu_init = svm_vcpu_init,
	.vcpu_reset = svm_vcpu_reset,
	.run = svm_run,
	.get_sregs = svm_get_sregs,
	.get_efer = svm_get_efer,
	.set_efer = svm_set_efer,
	.get_pat = svm_get_pat,
	.set_pat = svm_set_pat,
	.irq_allowed = svm_irq_allowed,
	.inject_irq = svm_inject_irq,
	.inject_nmi = svm_inject_nmi,
	.inject_exception = svm_inject_exception,
	.event_pending = svm_event_pending,
	.request_irq_window = svm_request_irq_window,
	.flush_stage2 = svm_flush_stage2,
};
