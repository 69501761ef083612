/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ACPI tables for a pre-launched VM, following docs/x86-vm-platform.md: a
 * hardware-reduced platform (no PIC, PIT, HPET, PM timer, PM1/GPE blocks,
 * CMOS RTC, 8042 or VGA) with x2APIC-mode LAPICs, one IOAPIC and a 16550
 * COM1, powered off through the FADT sleep control register and reset
 * through the FADT reset register.
 *
 * Tables: RSDP (rev 2) -> XSDT and RSDT -> FADT (rev 6.5, HW_REDUCED_ACPI)
 * -> DSDT (\_S5, COM1, processor devices), and MADT. No FACS: it is optional
 * on hardware-reduced platforms.
 *
 * The last 16 bytes of the area, at the real-mode reset vector F000:FFF0,
 * hold a stub that writes the reset value to the reset register. Linux on
 * a hardware-reduced platform without EFI runtime services reboots by
 * trying EFI, then jumping to F000:FFF0 "BIOS" (reboot_type BOOT_EFI, then
 * BOOT_BIOS) before it ever uses the FADT reset register; without the stub
 * that jump would run whatever bytes are there.
 */
#ifndef ARCH_ACPI_BUILD_H
#define ARCH_ACPI_BUILD_H

#include <arch/acpi_table.h>
#include <hv/types.h>

/* Guest-physical platform constants from the contract. */
#define ACPI_RSDP_GPA        0xE0000ULL
#define ACPI_AREA_GPA        0xE0000ULL  /* reserved in e820 */
#define ACPI_AREA_END        0x100000ULL /* exclusive */
#define X86_RESET_VECTOR_GPA 0xFFFF0ULL  /* reset stub; tables end below it */
#define X86_RESET_STUB_LEN   16
#define X86_LAPIC_GPA        0xFEE00000ULL
#define X86_IOAPIC_GPA       0xFEC00000ULL
#define X86_IOAPIC_PINS      24
#define X86_MMIO_HOLE_START  0xFEB00000ULL /* lowest MMIO page in the contract */
#define X86_MMIO_HOLE_END    0x100000000ULL
#define ACPI_SLEEP_CTRL_PORT 0x400
#define ACPI_SLEEP_STS_PORT  0x401
#define ACPI_RESET_PORT      0xCF9
#define ACPI_RESET_VALUE     0x06
#define ACPI_S5_SLP_TYP      5 /* sleep control value 0x34 = SLP_EN | 5 << 2 */

/* More vCPUs than this cannot be named in the DSDT (C000..CFFF). */
#define ACPI_MAX_VCPUS 4096

/*
 * What a VM looks like to the guest; shared by the ACPI builder and the
 * Linux loader. @ram is the host mapping of guest-physical address 0 and
 * covers @ram_size bytes.
 */
struct x86_vm_layout {
	uint8_t *ram;
	uint64_t ram_size;
	unsigned nr_vcpus; /* APIC ids and ACPI processor UIDs 0 .. nr_vcpus-1 */
	uint8_t ioapic_id;
	uint16_t uart_port; /* COM1 base; 0 = no UART in the DSDT */
	uint8_t uart_irq;   /* IOAPIC pin (GSI), edge, active high */
};

/* Signatures and fixed sizes, exported for tests and other consumers. */
#define ACPI_FADT_LEN   276
#define ACPI_FADT_MAJOR 6
#define ACPI_FADT_MINOR 5

/* FADT Flags bits used. */
#define ACPI_FADT_WBINVD        BIT(0)
#define ACPI_FADT_PROC_C1       BIT(2)
#define ACPI_FADT_PWR_BUTTON    BIT(4)
#define ACPI_FADT_SLP_BUTTON    BIT(5)
#define ACPI_FADT_FIX_RTC       BIT(6)
#define ACPI_FADT_RESET_REG_SUP BIT(10)
#define ACPI_FADT_HW_REDUCED    BIT(20)

/* FADT IAPC_BOOT_ARCH bits. */
#define ACPI_IAPC_LEGACY_DEVICES    BIT(0)
#define ACPI_IAPC_8042              BIT(1)
#define ACPI_IAPC_VGA_NOT_PRESENT   BIT(2)
#define ACPI_IAPC_MSI_NOT_SUPPORTED BIT(3)
#define ACPI_IAPC_PCIE_ASPM         BIT(4)
#define ACPI_IAPC_CMOS_RTC_ABSENT   BIT(5)

/* Byte offsets inside the FADT (ACPI 6.5 table 5.9). */
#define ACPI_FADT_OFF_FIRMWARE_CTRL 36
#define ACPI_FADT_OFF_DSDT          40
#define ACPI_FADT_OFF_PM_PROFILE    45
#define ACPI_FADT_OFF_SCI_INT       46
#define ACPI_FADT_OFF_SMI_CMD       48
#define ACPI_FADT_OFF_PM1A_EVT      56
#define ACPI_FADT_OFF_PM1A_CNT      64
#define ACPI_FADT_OFF_PM_TMR        76
#define ACPI_FADT_OFF_GPE0          80
#define ACPI_FADT_OFF_PM1_EVT_LEN   88
#define ACPI_FADT_OFF_PM_TMR_LEN    91
#define ACPI_FADT_OFF_P_LVL2_LAT    96
#define ACPI_FADT_OFF_P_LVL3_LAT    98
#define ACPI_FADT_OFF_CENTURY       108
#define ACPI_FADT_OFF_IAPC_BOOT     109
#define ACPI_FADT_OFF_FLAGS         112
#define ACPI_FADT_OFF_RESET_REG     116
#define ACPI_FADT_OFF_RESET_VALUE   128
#define ACPI_FADT_OFF_MINOR         131
#define ACPI_FADT_OFF_X_FW_CTRL     132
#define ACPI_FADT_OFF_X_DSDT        140
#define ACPI_FADT_OFF_X_PM1A_EVT    148
#define ACPI_FADT_OFF_X_PM_TMR      208
#define ACPI_FADT_OFF_SLEEP_CTRL    244
#define ACPI_FADT_OFF_SLEEP_STS     256
#define ACPI_FADT_OFF_HV_VENDOR     268

/* MADT structure types. */
#define ACPI_MADT_LAPIC  0
#define ACPI_MADT_IOAPIC 1
#define ACPI_MADT_X2APIC 9

/**
 * Build the VM's ACPI tables into its RAM: RSDP at ACPI_RSDP_GPA and every
 * table after it, all inside [ACPI_AREA_GPA, X86_RESET_VECTOR_GPA), and the
 * reset stub at X86_RESET_VECTOR_GPA (see above).
 * @return 0, -EINVAL for a bad layout (no RAM below 1 MiB, 0 or more than
 *         ACPI_MAX_VCPUS vCPUs, UART IRQ not an IOAPIC pin), or -ENOSPC if
 *         the tables do not fit in the area.
 */
int acpi_build_tables(const struct x86_vm_layout *l);

/**
 * Same, into any buffer: @dst is the host view of @size bytes that the
 * guest sees at @dst_gpa (which must be below 4 GiB); the RSDP is at @dst.
 * Used by acpi_build_tables() and by tests.
 * @return the number of bytes used, or a negative errno as above.
 */
long acpi_build_into(const struct x86_vm_layout *l, uint8_t *dst, uint64_t dst_gpa, size_t size);

#endif
