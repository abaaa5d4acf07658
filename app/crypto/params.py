"""Constants of herumi's CurveFp254BNb ("BN(2,254)"), the curve 0Chain signs on.

Values are those of ../shared/vectors/bls0chain.json; nothing here depends on a backend.
"""

# Curve parameter u; p and r follow from it (p = 36u^4 + 36u^3 + 24u^2 + 6u + 1, r = p - 6u^2).
U = -(2**62 + 2**55 + 1)
P = 36 * U**4 + 36 * U**3 + 24 * U**2 + 6 * U + 1
R = 36 * U**4 + 36 * U**3 + 18 * U**2 + 6 * U + 1

# G1: y^2 = x^3 + 2 over Fp; G2 on the twist y^2 = x^3 + (1 - i) over Fp2 = Fp[i]/(i^2 + 1).
G1_B = 2
G2_B = (1, P - 1)  # 2 / xi with xi = 1 + i
XI = (1, 1)

# herumi's fixed G2 base point Q (the public key of the secret key 1).
Q_X = (
    0x11CCB44E77AC2C5DC32A6009594DBE331EC85A61290D6BBAC8CC7EBB2DCEB128,
    0x0F204A14BBDAC4A05BE9A25176DE827F2E60085668BECDD4FC5FA914C9EE0D9A,
)
Q_Y = (
    0x07C13D8487903EE3C1C5EA327A3A52B6CC74796B1760D5BA20ED802624ED19C8,
    0x008F9642BBAACB73D8C89492528F58932F2DE9AC3E80C7B0E41F1A84F1C40182,
)

# Fouque-Tibouchi constants as mcl chooses them: c1 = sqrt(-3), c2 = (c1 - 1) / 2.
FT_C1 = 0x252364824000000126CD890000000003CF0F0000000000060C00000000000004
FT_C2 = 0x25236482400000017080EB4000000006181800000000000CD98000000000000B

G1_BYTES = 32
G2_BYTES = 64
SECRET_KEY_BYTES = 32

assert P == 0x2523648240000001BA344D80000000086121000000000013A700000000000013
assert R == 0x2523648240000001BA344D8000000007FF9F800000000010A10000000000000D
