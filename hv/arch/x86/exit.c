/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Exit handling of the vendor-neutral x86 vCPU: every backend reports exits
 * as struct x86_exit, and they all land here.
 */
#include <arch/cpu.h>
#include <arch/guest_walk.h>
#include <arch/x86_vcpu.h>
#include <hv/errno.h>
#include <hv/hypercall.h>
#include <hv/ioreq.h>
#include <hv/lib.h>
#include <hv/log.h>
#include <hv/pcpu.h>
#include <hv/vcpu.h>
#include <hv/vm.h>

#define GUEST_LOG_LIMIT 16

/* Rate-limited: a hostile guest must not be able to flood the console. */
#define guest_warn(v, fmt, ...)                                                                   \
	do {                                                                                      \
		if ((v)->vm->arch.nr_gp_logged < GUEST_LOG_LIMIT) {                               \
			(v)->vm->arch.nr_gp_logged++;                                             \
			pr_warn("vm %s vcpu %u: " fmt, vm_name((v)->vm), (v)->id, ##__VA_ARGS__); \
		}                                                                                 \
	} while (0)

void x86_inject_gp(struct vcpu *v)
{
	x86_vendor->inject_exception(v, 13, true, 0);
}

void x86_inject_ud(struct vcpu *v)
{
	x86_vendor->inject_exception(v, 6, false, 0);
}

static uint64_t size_mask(unsigned size)
{
	return size >= 8 ? ~0ULL : (1ULL << (size * 8)) - 1;
}

static bool is_post_launched(const struct vcpu *v)
{
	return v->vm->cfg->load_order == LOAD_POST_LAUNCHED;
}

/* IN results zero-extend into EAX when 32 bits wide, smaller ones merge. */
static void set_in_result(struct vcpu *v, unsigned size, uint64_t val)
{
	uint64_t *rax = &v->arch.regs.gpr[X86_REG_RAX];
	uint64_t mask = size_mask(size);

	*rax = size == 4 ? (val & mask) : ((*rax & ~mask) | (val & mask));
}

/*
 * A post-launched VM's port the hypervisor does not emulate: the Service
 * VM's device model serves it. 0xCF8/0xCFC go as PORTIO too (acrn-dm fuses
 * them into PCI config accesses itself), so PCICFG never leaves here.
 */
static void pio_to_service(struct vcpu *v, const struct x86_exit *x)
{
	uint64_t val = v->arch.regs.gpr[X86_REG_RAX] & size_mask(x->io.size);

	if (!x->io.in) {
		int err = ioreq_asyncio_post(v, ACRN_ASYNCIO_PIO, x->io.port, val);

		if (!err) {
			v->arch.regs.rip = x->io.next_rip;
			return;
		}
		if (err == -ENOSPC) {
			/* Ring full: run the OUT again later, after others had the pCPU. */
			this_pcpu()->need_resched = true;
			return;
		}
	}
	v->arch.io_wait = (struct x86_io_wait){
		.port = x->io.port, .size = x->io.size, .in = x->io.in, .next_rip = x->io.next_rip
	};
	if (ioreq_send(v, ACRN_IOREQ_TYPE_PORTIO, !x->io.in, x->io.port, x->io.size, val)) {
		/* No ioreq page: as an absent device. */
		if (x->io.in)
			set_in_result(v, x->io.size, ~0ULL);
		v->arch.regs.rip = x->io.next_rip;
	}
}

__hot __attribute__((noinline)) static void handle_io(struct vcpu *v, const struct x86_exit *x)
{
	uint64_t *rax = &v->arch.regs.gpr[X86_REG_RAX];
	uint64_t mask = size_mask(x->io.size);
	uint64_t val;

	if (x->io.string) {
		/* INS/OUTS: no device of ours needs them. */
		guest_warn(v, "string I/O on port 0x%x is not supported\n", x->io.port);
		x86_inject_gp(v);
		return;
	}
	if (is_post_launched(v) && !io_bus_claims(&v->vm->pio, x->io.port, x->io.size)) {
		pio_to_service(v, x);
		return;
	}
	if (x->io.in) {
		io_bus_read(&v->vm->pio, v, x->io.port, x->io.size, &val);
		/* 32-bit results zero-extend into RAX; smaller ones merge. */
		*rax = x->io.size == 4 ? (val & mask) : ((*rax & ~mask) | (val & mask));
	} else {
		io_bus_write(&v->vm->pio, v, x->io.port, x->io.size, *rax & mask);
	}
	v->arch.regs.rip = x->io.next_rip;
}

struct mmio_ctx {
	struct vcpu *v;
	struct x86_paging_state paging;
	struct x86_guest_mem mem;
	/* Post-launched VMs: one access nobody here claims goes to the Service VM. */
	bool to_service;
	bool have_value; /* the answer to the read that went out */
	uint64_t value;
	bool req;
	bool req_write;
	uint64_t req_gpa;
	unsigned req_size;
	uint64_t req_value;
};

__hot static int read_gpa(void *opaque, uint64_t gpa, void *buf, unsigned len)
{
	struct vcpu *v = opaque;
	void *hva = vm_gpa_to_hva(v->vm, gpa, len);

	if (!hva)
		return -EFAULT;
	memcpy(buf, hva, len);
	return 0;
}

static bool goes_out(struct mmio_ctx *c, uint64_t gpa, unsigned size)
{
	return c->to_service && !io_bus_claims(&c->v->vm->mmio, gpa, size);
}

/*
 * An access for the Service VM ends the emulation with -EAGAIN: a read
 * before it changes anything (it is emulated again with the answer), a
 * second access after the first (REP elements go one round trip each).
 */
static int record(struct mmio_ctx *c, bool write, uint64_t gpa, unsigned size, uint64_t val)
{
	if (c->req)
		return -EAGAIN;
	c->req = true;
	c->req_write = write;
	c->req_gpa = gpa;
	c->req_size = size;
	c->req_value = val;
	return write ? 0 : -EAGAIN;
}

__hot static int emul_mmio_read(void *opaque, uint64_t gpa, unsigned size, uint64_t *val)
{
	struct mmio_ctx *c = opaque;

	if (!goes_out(c, gpa, size)) {
		io_bus_read(&c->v->vm->mmio, c->v, gpa, size, val);
		return 0;
	}
	if (c->have_value && !c->req) {
		c->have_value = false;
		*val = c->value;
		return 0;
	}
	return record(c, false, gpa, size, 0);
}

__hot static int emul_mmio_write(void *opaque, uint64_t gpa, unsigned size, uint64_t val)
{
	struct mmio_ctx *c = opaque;

	if (!goes_out(c, gpa, size)) {
		io_bus_write(&c->v->vm->mmio, c->v, gpa, size, val);
		return 0;
	}
	return record(c, true, gpa, size, val & size_mask(size));
}

static int emul_gla_to_gpa(void *opaque, uint64_t gla, bool write, uint64_t *gpa)
{
	struct mmio_ctx *c = opaque;
	uint32_t pf;

	return x86_guest_walk(&c->paging, gla, write ? X86_ACCESS_WRITE : 0, &c->mem, gpa, &pf);
}

static int emul_mem_read(void *opaque, uint64_t gla, void *buf, unsigned len)
{
	struct mmio_ctx *c = opaque;
	uint32_t pf;

	return x86_guest_read_gla(&c->paging, gla, 0, &c->mem, buf, len, NULL, NULL, &pf);
}

static int emul_mem_write(void *opaque, uint64_t gla, const void *buf, unsigned len)
{
	struct mmio_ctx *c = opaque;
	const uint8_t *src = buf;

	/* Byte by byte through the walker: MOVS into RAM from MMIO is rare and short. */
	for (unsigned i = 0; i < len; i++) {
		uint64_t gpa;
		uint8_t *hva;
		int err = emul_gla_to_gpa(opaque, gla + i, true, &gpa);

		if (err)
			return err;
		hva = vm_gpa_to_hva(c->v->vm, gpa, 1);
		if (!hva)
			return -EFAULT;
		*hva = src[i];
	}
	return 0;
}

static const struct x86_emul_ops emul_ops = {
	.mmio_read = emul_mmio_read,
	.mmio_write = emul_mmio_write,
	.mem_read = emul_mem_read,
	.mem_write = emul_mem_write,
	.gla_to_gpa = emul_gla_to_gpa,
};

__hot static enum x86_cpu_mode cpu_mode(const struct x86_sregs *s)
{
	if ((s->efer & EFER_LMA) && s->cs_l)
		return X86_MODE_LONG64;
	if (!(s->cr0 & CR0_PE))
		return X86_MODE_REAL16;
	return s->cs_db ? X86_MODE_PROT32 : X86_MODE_PROT16;
}

/*
 * A guest usually hits one device register from the same instruction again
 * and again. The decode cache (arch/decode_cache.h) remembers the last MMIO
 * instruction with where it was fetched: a hit skips the page walk, the
 * fetch and the decoding, and only re-reads the page-table entries the walk
 * used and the instruction's bytes, so neither a page-table edit that did
 * not exit nor rewritten code can give a stale hit.
 */
__hot static const struct x86_insn *dcache_hit(struct vcpu *v, const struct x86_sregs *s,
                                               uint64_t gla, enum x86_cpu_mode mode)
{
	const struct x86_decode_cache *c = &v->arch.dcache;

	if (!c->insn.len || c->gla != gla || c->insn.mode != mode || c->cr3 != s->cr3 ||
	    c->cr0 != s->cr0 || c->cr4 != s->cr4 || c->efer != s->efer || !x86_dcache_walk_same(c))
		return NULL;
	return &c->insn;
}

/*
 * The cache keeps host pointers to the walk's entries and the instruction:
 * only a VM's fixed RAM block keeps them valid for as long (it lives as
 * long as the VM). Another VM's memory map may change under the entry, so
 * its MMIO instructions are decoded every time.
 */
static const void *fixed_hva(void *opaque, uint64_t gpa, unsigned len)
{
	struct vm *vm = opaque;

	return vm->ram_hpa ? vm_gpa_to_hva(vm, gpa, len) : NULL;
}

/* Fetch and decode the instruction at gla; remember it when it sits in one page. */
static int fetch_decode(struct vcpu *v, struct mmio_ctx *c, const struct x86_sregs *s, uint64_t gla,
                        enum x86_cpu_mode mode, struct x86_insn *insn, uint8_t *bytes)
{
	struct x86_decode_cache *dc = &v->arch.dcache;
	uint64_t fault_gla;
	unsigned got = 0;
	uint32_t pf;
	int err;

	/* The instruction may end before a fault further on: decode what we got. */
	x86_guest_read_gla(&c->paging, gla, X86_ACCESS_FETCH, &c->mem, bytes, X86_MAX_INSN_LEN,
	                   &got, &fault_gla, &pf);
	err = got ? x86_insn_decode(bytes, got, mode, insn) : -EFAULT;
	if (err)
		return err;
	dc->insn.len = 0;
	if ((gla & (PAGE_SIZE - 1)) + insn->len > PAGE_SIZE ||
	    x86_dcache_fill_walk(dc, &c->paging, gla, insn->len, fixed_hva, v->vm))
		return 0;
	x86_dcache_set_insn(dc, bytes, insn, (uint8_t)(s->cs_l | s->cs_db << 1));
	return 0;
}

/* Send what the emulation recorded; the registers are as the emulator left them. */
static void mmio_to_service(struct vcpu *v, struct mmio_ctx *c, const struct x86_regs *before)
{
	if (c->req_write) {
		int err = ioreq_asyncio_post(v, ACRN_ASYNCIO_MMIO, c->req_gpa, c->req_value);

		if (!err)
			return;
		if (err == -ENOSPC) {
			/* Ring full: undo, and run the instruction again later. */
			v->arch.regs = *before;
			this_pcpu()->need_resched = true;
			return;
		}
	}
	v->arch.io_wait =
	        (struct x86_io_wait){ .mmio = true, .in = !c->req_write, .gpa = c->req_gpa };
	if (!ioreq_send(v, ACRN_IOREQ_TYPE_MMIO, c->req_write, c->req_gpa, c->req_size,
	                c->req_value))
		return;
	/* No ioreq page: as an absent device (writes dropped, reads all ones). */
	if (!c->req_write) {
		v->ioreq = (struct vcpu_ioreq){ 0 };
		x86_ioreq_complete(v, ~0ULL);
	}
}

static void emulate_mmio(struct vcpu *v, uint64_t gpa, bool have_value, uint64_t value);

__hot __attribute__((noinline)) static void handle_mmio(struct vcpu *v, const struct x86_exit *x)
{
	if (x->mmio.fetch || vm_gpa_is_ram(v->vm, x->mmio.gpa)) {
		guest_warn(v, "executes or faults at 0x%lx: not emulated\n", x->mmio.gpa);
		x86_inject_gp(v);
		return;
	}
	emulate_mmio(v, x->mmio.gpa, false, 0);
}

void x86_ioreq_complete(struct vcpu *v, uint64_t value)
{
	const struct x86_io_wait *w = &v->arch.io_wait;

	if (!w->mmio) {
		if (w->in)
			set_in_result(v, w->size, value);
		v->arch.regs.rip = w->next_rip;
	} else if (w->in) {
		/* The instruction has not run yet: emulate it again, now with the value. */
		emulate_mmio(v, w->gpa, true, value);
	}
}

__hot static void emulate_mmio(struct vcpu *v, uint64_t gpa, bool have_value, uint64_t value)
{
	struct mmio_ctx c = { .v = v,
		              .mem = { .read_gpa = read_gpa, .opaque = v },
		              .to_service = is_post_launched(v),
		              .have_value = have_value,
		              .value = value };
	struct x86_regs before;
	struct x86_sregs s;
	struct x86_insn decoded;
	const struct x86_insn *insn;
	uint8_t bytes[X86_MAX_INSN_LEN];
	enum x86_cpu_mode mode;
	uint64_t gla;
	int err = 0;

	/* Only an access that may go out needs the registers to undo it (mmio_to_service). */
	if (c.to_service)
		before = v->arch.regs;
	x86_vendor->get_sregs(v, &s);
	c.paging = (struct x86_paging_state){
		.cr0 = s.cr0, .cr3 = s.cr3, .cr4 = s.cr4, .efer = s.efer
	};
	mode = cpu_mode(&s);
	gla = s.cs_base + v->arch.regs.rip;
	/* Outside long mode linear addresses are 32 bits and wrap. */
	if (!(s.efer & EFER_LMA))
		gla = (uint32_t)gla;
	/* A hit is used in place: nothing but this vCPU's own exits changes its cache. */
	insn = dcache_hit(v, &s, gla, mode);
	if (!insn) {
		memset(bytes, 0, sizeof(bytes));
		insn = &decoded;
		err = fetch_decode(v, &c, &s, gla, mode, &decoded, bytes);
	}
	if (!err)
		err = x86_insn_emulate_decoded(insn, &v->arch.regs, gpa, &emul_ops, &c);
	if (c.req && (!err || err == -EAGAIN)) {
		mmio_to_service(v, &c, &before);
		return;
	}
	if (err) {
		if (insn != &decoded) {
			memset(bytes, 0, sizeof(bytes));
			memcpy(bytes, v->arch.dcache.bytes, insn->len);
		}
		guest_warn(v,
		           "cannot emulate MMIO access to 0x%lx at rip 0x%lx (%d): "
		           "%02x %02x %02x %02x\n",
		           gpa, v->arch.regs.rip, err, bytes[0], bytes[1], bytes[2], bytes[3]);
		x86_inject_ud(v);
	}
}

static void skip(struct vcpu *v, const struct x86_exit *x)
{
	v->arch.regs.rip += x->insn_len;
}

__attribute__((noinline)) static void handle_cpuid(struct vcpu *v, const struct x86_exit *x)
{
	uint64_t *r = v->arch.regs.gpr;
	uint32_t out[4];

	x86_cpuid(v, (uint32_t)r[X86_REG_RAX], (uint32_t)r[X86_REG_RCX], out);
	r[X86_REG_RAX] = out[0];
	r[X86_REG_RBX] = out[1];
	r[X86_REG_RCX] = out[2];
	r[X86_REG_RDX] = out[3];
	skip(v, x);
}

__attribute__((noinline)) static void handle_msr(struct vcpu *v, const struct x86_exit *x)
{
	uint64_t *r = v->arch.regs.gpr;
	uint32_t msr = (uint32_t)r[X86_REG_RCX];
	uint64_t val = 0;
	int err;

	if (x->reason == X86_EXIT_RDMSR) {
		err = x86_msr_read(v, msr, &val);
		if (!err) {
			r[X86_REG_RAX] = (uint32_t)val;
			r[X86_REG_RDX] = val >> 32;
		}
	} else {
		val = (r[X86_REG_RDX] << 32) | (uint32_t)r[X86_REG_RAX];
		err = x86_msr_write(v, msr, val);
	}
	if (err) {
		pr_debug("vm %s vcpu %u: #GP on %s of MSR 0x%x\n", vm_name(v->vm), v->id,
		         x->reason == X86_EXIT_RDMSR ? "read" : "write", msr);
		x86_inject_gp(v);
		return;
	}
	skip(v, x);
}

__attribute__((noinline)) static void handle_hypercall(struct vcpu *v, const struct x86_exit *x)
{
	uint64_t *r = v->arch.regs.gpr;
	struct x86_sregs s;

	/* ACRN: #UD in VMs without hypercalls, #GP(0) from rings 1-3; RAX is left alone. */
	if (!hypercall_vm_allowed(v->vm)) {
		x86_inject_ud(v);
		return;
	}
	x86_vendor->get_sregs(v, &s);
	if (s.cpl != 0) {
		x86_inject_gp(v);
		return;
	}
	skip(v, x);
	r[X86_REG_RAX] =
	        (uint64_t)hypercall_dispatch(v, r[X86_REG_R8], r[X86_REG_RDI], r[X86_REG_RSI]);
}

/*
 * XCR0 may only name state the hypervisor switches between vCPUs
 * (x86_features.xcr0_max), with the CPU's own consistency rules: x87 always,
 * AVX only with SSE. Anything else is #GP, as on a CPU without that state.
 */
__attribute__((noinline)) static void handle_xsetbv(struct vcpu *v, const struct x86_exit *x)
{
	uint64_t *r = v->arch.regs.gpr;
	uint64_t val = (r[X86_REG_RDX] << 32) | (uint32_t)r[X86_REG_RAX];

	if ((uint32_t)r[X86_REG_RCX] != 0 || !(val & BIT(0)) || (val & ~x86_features.xcr0_max) ||
	    ((val & BIT(2)) && !(val & BIT(1)))) {
		x86_inject_gp(v);
		return;
	}
	/* The register holds this vCPU's value until another vCPU runs here (switch_fpu). */
	xsetbv(0, val);
	skip(v, x);
}

/* #UD: the other vendor's hypercall instruction counts as a hypercall. */
__attribute__((noinline)) static void handle_ud(struct vcpu *v, struct x86_exit *x)
{
	static const uint8_t vmcall[3] = { 0x0F, 0x01, 0xC1 };
	static const uint8_t vmmcall[3] = { 0x0F, 0x01, 0xD9 };
	struct mmio_ctx c = { .v = v, .mem = { .read_gpa = read_gpa, .opaque = v } };
	struct x86_sregs s;
	uint8_t bytes[3];
	uint32_t pf;

	x86_vendor->get_sregs(v, &s);
	c.paging = (struct x86_paging_state){
		.cr0 = s.cr0, .cr3 = s.cr3, .cr4 = s.cr4, .efer = s.efer
	};
	if (!x86_guest_read_gla(&c.paging, s.cs_base + v->arch.regs.rip, X86_ACCESS_FETCH, &c.mem,
	                        bytes, 3, NULL, NULL, &pf) &&
	    (!memcmp(bytes, vmcall, 3) || !memcmp(bytes, vmmcall, 3))) {
		x->insn_len = 3;
		handle_hypercall(v, x);
		return;
	}
	x86_inject_ud(v);
}

__attribute__((noinline)) static void handle_hlt(struct vcpu *v, const struct x86_exit *x)
{
	skip(v, x);
	vcpu_halt(v);
}

__attribute__((noinline)) static void handle_triple_fault(struct vcpu *v)
{
	pr_warn("vm %s vcpu %u: triple fault at rip 0x%lx\n", vm_name(v->vm), v->id,
	        v->arch.regs.rip);
	v->vm->triple_faulted = true;
	if (v->vm->cfg->on_triple_fault == TRIPLE_FAULT_RESET)
		vm_reset(v->vm, "triple fault");
	else
		vm_poweroff(v->vm, "triple fault");
}

__attribute__((noinline)) static void handle_invalid(struct vcpu *v)
{
	pr_err("vm %s vcpu %u: invalid guest state, cannot enter it\n", vm_name(v->vm), v->id);
	vm_poweroff(v->vm, "invalid guest state");
}

__attribute__((noinline)) static void handle_unknown(struct vcpu *v, const struct x86_exit *x)
{
	guest_warn(v, "unhandled exit 0x%lx at rip 0x%lx: #UD\n", x->raw, v->arch.regs.rip);
	x86_inject_ud(v);
}

/*
 * Each case is one tail call to a handler of its own (noinline): the
 * dispatch builds no stack frame, and an I/O exit pays only for its own
 * handler's, not for the biggest case's.
 */
__hot void x86_handle_exit(struct vcpu *v, struct x86_exit *x)
{
	switch (x->reason) {
	case X86_EXIT_NONE:
	case X86_EXIT_IRQ_WINDOW:
		return; /* injection is re-evaluated before the next entry */
	case X86_EXIT_IO:
		handle_io(v, x);
		return;
	case X86_EXIT_MMIO:
		handle_mmio(v, x);
		return;
	case X86_EXIT_CPUID:
		handle_cpuid(v, x);
		return;
	case X86_EXIT_RDMSR:
	case X86_EXIT_WRMSR:
		handle_msr(v, x);
		return;
	case X86_EXIT_HLT:
		handle_hlt(v, x);
		return;
	case X86_EXIT_HYPERCALL:
		handle_hypercall(v, x);
		return;
	case X86_EXIT_XSETBV:
		handle_xsetbv(v, x);
		return;
	case X86_EXIT_UD:
		handle_ud(v, x);
		return;
	case X86_EXIT_TRIPLE_FAULT:
		handle_triple_fault(v);
		return;
	case X86_EXIT_INVALID:
		handle_invalid(v);
		return;
	default:
		handle_unknown(v, x);
		return;
	}
}
