/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The x86 platform of a pre-launched VM (docs/x86-vm-platform.md): NPT
 * stage-2 format, vIOAPIC, power and reset ports, the test device, and
 * kernel loading (Linux bzImage or a raw binary).
 */
#include <acrn/hypercall.h>
#include <arch/acpi_build.h>
#include <arch/cpu.h>
#include <arch/linux_boot.h>
#include <arch/npt.h>
#include <arch/x86_vcpu.h>
#include <hv/boot.h>
#include <hv/errno.h>
#include <hv/lib.h>
#include <hv/log.h>
#include <hv/mm.h>
#include <hv/pgtable.h>
#include <hv/timer.h>
#include <hv/vm.h>

#define IOAPIC_GPA            0xFEC00000ULL
#define LAPIC_GPA             0xFEE00000ULL
#define TEST_DEV_GPA          0xFEB00000ULL
#define PM_SLEEP_CONTROL_PORT 0x400
#define RESET_PORT            0xCF9
#define TEST_DEV_MAGIC        0x54455354
#define MSI_ADDR_BASE         0xFEE00000ULL
#define UPCALL_VECTOR_MIN     0x20
/* Post-launched RAM: low RAM up to 2 GiB, high RAM from 4 GiB (acrn-dm's layout). */
#define POST_LOW_RAM_END   GiB(2)
#define POST_HIGH_RAM_BASE GiB(4)
#define POST_HIGH_RAM_END  GiB(512) /* what one 4-level stage-2 root entry range allows us */

const struct pgtable_fmt *vm_arch_stage2_fmt(void)
{
	return x86_vendor->stage2_fmt;
}

/* ---- vIOAPIC ---- */

static void ioapic_deliver(void *owner, uint32_t dest, bool logical, uint8_t vector, uint8_t mode,
                           bool level)
{
	x86_deliver_msi(owner, dest, logical, vector, mode, level, NULL);
}

static const struct vioapic_ops ioapic_ops = { .deliver = ioapic_deliver };

static int ioapic_read(struct vcpu *v, void *opaque, uint64_t off, unsigned width, uint64_t *val)
{
	struct vm *vm = opaque;
	int err;

	(void)v;
	spin_lock(&vm->arch.ioapic_lock);
	err = vioapic_mmio_read(&vm->arch.vioapic, off, width, val);
	spin_unlock(&vm->arch.ioapic_lock);
	return err;
}

static int ioapic_write(struct vcpu *v, void *opaque, uint64_t off, unsigned width, uint64_t val)
{
	struct vm *vm = opaque;
	int err;

	(void)v;
	spin_lock(&vm->arch.ioapic_lock);
	err = vioapic_mmio_write(&vm->arch.vioapic, off, width, val);
	spin_unlock(&vm->arch.ioapic_lock);
	return err;
}

void vm_arch_set_irq_line(struct vm *vm, unsigned line, bool level)
{
	spin_lock(&vm->arch.ioapic_lock);
	vioapic_set_irq(&vm->arch.vioapic, line, level);
	spin_unlock(&vm->arch.ioapic_lock);
}

/* ---- xAPIC page: each vCPU reaches its own vLAPIC at the same address ---- */

static int lapic_mmio_read(struct vcpu *v, void *opaque, uint64_t off, unsigned width,
                           uint64_t *val)
{
	int err;

	(void)opaque;
	x86_lapic_lock(v);
	err = vlapic_mmio_read(&v->arch.vlapic, off, width, val, timer_now());
	x86_lapic_unlock(v);
	return err;
}

static int lapic_mmio_write(struct vcpu *v, void *opaque, uint64_t off, unsigned width,
                            uint64_t val)
{
	int err;

	(void)opaque;
	x86_lapic_lock(v);
	err = vlapic_mmio_write(&v->arch.vlapic, off, width, val, timer_now());
	x86_lapic_unlock(v);
	return err;
}

/* ---- ACPI hardware-reduced sleep control and the reset register ---- */

static int pm_write(struct vcpu *v, void *opaque, uint64_t off, unsigned width, uint64_t val)
{
	(void)opaque;
	(void)width;
	/* SLEEP_CONTROL_REG: SLP_EN (bit 5) with SLP_TYP (bits 2..4) = 5 is S5. */
	if (off == 0 && (val & BIT(5)) && ((val >> 2) & 7) == 5)
		vm_poweroff(v->vm, "guest requested S5");
	return 0;
}

static int pm_read(struct vcpu *v, void *opaque, uint64_t off, unsigned width, uint64_t *val)
{
	(void)v;
	(void)opaque;
	(void)off;
	(void)width;
	*val = 0;
	return 0;
}

static int reset_write(struct vcpu *v, void *opaque, uint64_t off, unsigned width, uint64_t val)
{
	(void)opaque;
	(void)off;
	(void)width;
	if (val & BIT(2))
		vm_reset(v->vm, "guest wrote the reset register");
	return 0;
}

/* ---- test device: registers the bare-metal exit tests check ---- */

__hot static int test_read(struct vcpu *v, void *opaque, uint64_t off, unsigned width,
                           uint64_t *val)
{
	struct vm *vm = opaque;
	uint64_t mask = width >= 8 ? ~0ULL : (1ULL << (width * 8)) - 1;
	uint64_t reg;

	(void)v;
	vm->arch.test_count++;
	if (off < 4)
		reg = TEST_DEV_MAGIC;
	else if (off >= 0x08 && off < 0x18)
		reg = vm->arch.test_scratch[(off - 0x08) / 8];
	else if (off >= 0x18 && off < 0x20)
		reg = vm->arch.test_count;
	else
		return -EINVAL;
	*val = (reg >> ((off & 7) * 8)) & mask;
	return 0;
}

__hot static int test_write(struct vcpu *v, void *opaque, uint64_t off, unsigned width,
                            uint64_t val)
{
	struct vm *vm = opaque;
	uint64_t mask = width >= 8 ? ~0ULL : (1ULL << (width * 8)) - 1;
	unsigned shift = (off & 7) * 8;

	vm->arch.test_count++;
	if (off >= 0x08 && off < 0x18) {
		uint64_t *r = &vm->arch.test_scratch[(off - 0x08) / 8];

		*r = (*r & ~(mask << shift)) | ((val & mask) << shift);
	} else if (off == 0x20) {
		pr_info("vm %s: test-device: value 0x%lx\n", vm_name(v->vm), val);
	}
	return 0;
}

int vm_arch_init(struct vm *vm)
{
	const struct scenario_vm *cfg = vm->cfg;
	struct io_handler ioapic = { .base = IOAPIC_GPA,
		                     .size = PAGE_SIZE,
		                     .read = ioapic_read,
		                     .write = ioapic_write,
		                     .opaque = vm };
	struct io_handler lapic = { .base = LAPIC_GPA,
		                    .size = PAGE_SIZE,
		                    .read = lapic_mmio_read,
		                    .write = lapic_mmio_write };
	struct io_handler pm = {
		.base = PM_SLEEP_CONTROL_PORT, .size = 2, .read = pm_read, .write = pm_write
	};
	struct io_handler reset = { .base = RESET_PORT, .size = 1, .write = reset_write };
	struct io_handler test = { .base = TEST_DEV_GPA,
		                   .size = PAGE_SIZE,
		                   .read = test_read,
		                   .write = test_write,
		                   .opaque = vm };
	int err;

	vm->arch.ioapic_lock = (struct spinlock)SPINLOCK_INIT;
	vm->arch.upcall_vector = HYPERVISOR_CALLBACK_HSM_VECTOR;
	vioapic_init(&vm->arch.vioapic, (uint8_t)vm->nr_vcpus, &ioapic_ops, vm);
	err = io_bus_register(&vm->mmio, &ioapic);
	if (!err)
		err = io_bus_register(&vm->mmio, &lapic);
	/* A post-launched VM's power, reset and RTC ports are acrn-dm's. */
	if (!err && cfg->load_order != LOAD_POST_LAUNCHED) {
		err = io_bus_register(&vm->pio, &pm);
		if (!err)
			err = io_bus_register(&vm->pio, &reset);
		if (!err)
			err = vrtc_init(&vm->arch.rtc, &vm->pio);
	}
	if (!err && cfg->test_device)
		err = io_bus_register(&vm->mmio, &test);
	return err;
}

/* COM1-style: the 16550's registers are I/O ports. */
struct io_bus *vm_arch_uart_bus(struct vm *vm, uint64_t *base)
{
	*base = vm->cfg->vuart.port_base;
	return &vm->pio;
}

bool vm_arch_ram_range_ok(uint64_t gpa, uint64_t size)
{
	if (!size || gpa + size < gpa)
		return false;
	return gpa + size <= POST_LOW_RAM_END ||
	       (gpa >= POST_HIGH_RAM_BASE && gpa + size <= POST_HIGH_RAM_END);
}

/* ACRN's upcall: the callback vector, edge-triggered, into the Service VM's vCPU 0. */
void vm_arch_upcall(struct vm *service)
{
	struct vcpu *v = &service->vcpus[0];

	if (!service->nr_vcpus)
		return;
	x86_lapic_lock(v);
	vlapic_accept_irq(&v->arch.vlapic, service->arch.upcall_vector, false);
	x86_lapic_unlock(v);
}

int vm_arch_set_upcall_vector(struct vm *service, uint64_t vector)
{
	if (vector < UPCALL_VECTOR_MIN || vector > 0xFF)
		return -EINVAL;
	service->arch.upcall_vector = (uint8_t)vector;
	return 0;
}

/* The MSI format of the x86 LAPIC: address 0xFEEx_xxxx, data with vector and mode. */
int vm_arch_inject_msi(struct vm *vm, uint64_t addr, uint64_t data)
{
	uint8_t vector = (uint8_t)data, mode = (uint8_t)((data >> 8) & 7);
	uint32_t dest = (uint32_t)((addr >> 12) & 0xFF);

	if ((addr & ~0xFFFFFULL) != MSI_ADDR_BASE || (data >> 16) ||
	    (mode != VLAPIC_DM_FIXED && mode != VLAPIC_DM_LOWEST && mode != VLAPIC_DM_NMI) ||
	    (mode != VLAPIC_DM_NMI && vector < 16))
		return -EINVAL;
	x86_deliver_msi(vm, dest, addr & BIT(2), vector, mode, data & BIT(15), NULL);
	return 0;
}

unsigned vm_arch_nr_irq_lines(struct vm *vm)
{
	(void)vm;
	return VIOAPIC_PINS;
}

void vm_arch_reset_devices(struct vm *vm)
{
	vioapic_init(&vm->arch.vioapic, (uint8_t)vm->nr_vcpus, &ioapic_ops, vm);
	vm->arch.test_scratch[0] = vm->arch.test_scratch[1] = 0;
	vm->arch.test_count = 0;
}

/* ---- kernel loading ---- */

static int module_image(const char *name, struct x86_guest_image *img)
{
	const struct boot_module *m = boot_find_module(name);

	if (!m)
		return -ENOENT;
	img->data = hpa_to_ptr(m->start);
	img->size = m->size;
	return 0;
}

static int load_raw(struct vm *vm, const struct x86_guest_image *k, struct x86_entry_state *e)
{
	void *dst = vm_gpa_to_hva(vm, vm->cfg->load_addr, k->size);

	if (!dst) {
		pr_err("vm %s: raw image of %zu bytes does not fit at 0x%lx\n", vm_name(vm),
		       k->size, vm->cfg->load_addr);
		return -ENOMEM;
	}
	memcpy(dst, k->data, k->size);
	*e = (struct x86_entry_state){ .rip = vm->cfg->load_addr,
		                       .protected_mode = true,
		                       .cs_selector = 0x08,
		                       .ds_selector = 0x10 };
	return 0;
}

static int load_bzimage(struct vm *vm, const struct x86_guest_image *k, struct x86_entry_state *e)
{
	const struct scenario_vm *cfg = vm->cfg;
	struct x86_vm_layout l = { .ram = hpa_to_ptr(vm->ram_hpa),
		                   .ram_size = vm->ram_size,
		                   .nr_vcpus = vm->nr_vcpus,
		                   .ioapic_id = (uint8_t)vm->nr_vcpus,
		                   .uart_port = cfg->vuart.enabled ? cfg->vuart.port_base : 0,
		                   .uart_irq = cfg->vuart.irq };
	struct x86_guest_image initrd, *ird = NULL;
	struct x86_boot_entry be;
	int err;

	if (cfg->initrd_mod[0]) {
		err = module_image(cfg->initrd_mod, &initrd);
		if (err) {
			pr_err("vm %s: no boot module named '%s' (initrd)\n", vm_name(vm),
			       cfg->initrd_mod);
			return err;
		}
		ird = &initrd;
	}
	err = linux_boot_prepare(&l, k, ird, cfg->bootargs, &be);
	if (err)
		return err;
	*e = (struct x86_entry_state){ .rip = be.rip,
		                       .rsi = be.rsi,
		                       .rbx = be.rbx,
		                       .protected_mode = true,
		                       .cs_selector = be.cs_sel,
		                       .ds_selector = be.ds_sel,
		                       .gdt_base = be.gdt_base,
		                       .gdt_limit = be.gdt_limit };
	return 0;
}

int vm_arch_load(struct vm *vm)
{
	struct x86_entry_state *e = &vm->vcpus[0].arch.entry;
	struct x86_guest_image k;
	int err = module_image(vm->cfg->kernel_mod, &k);

	if (err) {
		pr_err("vm %s: no boot module named '%s' (kernel)\n", vm_name(vm),
		       vm->cfg->kernel_mod);
		return err;
	}
	if (vm->cfg->kernel_type == KERNEL_RAW)
		return load_raw(vm, &k, e);
	return load_bzimage(vm, &k, e);
}
