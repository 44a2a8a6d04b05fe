import Foundation

/// Every MMIO access Linux 6.1 made to the MPIC, UART and guts while booting
/// to a busybox shell under `qemu-system-ppc` 7.2 (`-M ppce500 -cpu e500mc
/// -m 256`, the kernel of docs/platform-e500.md §7, a busybox initramfs, and
/// *our* device tree via `-dtb`), then the user typing `echo HI` at the
/// prompt. Recorded with `-d trace:memory_region_ops_read,trace:memory_region_ops_write`;
/// the IACK reads the core makes in coreint mode are in it (at 0xfe00400a0).
///
/// One line per access: `r|w ADDRESS VALUE SIZE` (hex), plus one
/// `i HEXBYTES` line where the typed bytes reached QEMU's UART. gzip, then
/// base64. docs/platform.md says how to record it again.
enum LinuxBootTrace {
    static let gzippedBase64 = """
    H4sICIjyAWsCA21taW8taW5wdXQtbWFya2VkLnR4dADtXUt25DgO3M8p8giC+JF0HH3fm21t+vrj6poWkCi3ybLCMDMTvZg3yaL1
    CQUJMAiAP27H3nVdTF24dTf6z1/i9/iz4cfZ0N3Wu990u//3eBvVBboPf9PtOFTDu0/wl3qCj/4g3P2O6nd/G+6eON2yvkFaSj36
    ro0eoXyN/fo1HqdH2q5jGovXyKnYo3yNo9Rj6Is9JsDbhmIPuo5Y+TkqECs+x9Bd75GLmObiiMrFGSbMgLFf5Eco8jRkk/FSfNJ+
    vf4c5fFSHrdDAPAjFu+SrnM9ryYcM/n6xUu8+yZuwt2Ef9pk5eJAH+L1qWDIAKMW2zBZFagvgAm4B7xLuj55lt82IYwJAI/yXSqc
    HsB4Kb9LBYPKeIyArx+uG2jIqDyuc72CpzaOUwZ8l/1RUHeHxR0WrMOyWhj5ATC9VqzDchtmr5UJuGKNXR4vZHGNMF3XHCpmmBFg
    kA6AvlY0JhHB9fLsMJlg2gEQG0xGdnfdgeu360uAZmbc7friDfGkkOcIgG8LGA0xAtzVHsAgMrFABJjXd5NrdNdZWPG2wWJOfirU
    AYJJLM4Ocb8uulTsNK3XFXzIHNQIHrFvxBIiFvfr9XVDBYOyxe5uxZd7Jis2WeyIVsyFETBbIjz6AFgTlrWLYLFBUcHkHTCissme
    Opl4BtP13d2yl1PxtnMbMQZlO5fi9UgXCD8Q18guQLsAbStAI1wawA4PwvWG7IdP181ehYyJeFsTA11mYcXObLBwvh6ox/wwqAOk
    jIq7xOsLLzedbjqtTecImKIBpqJid4YsQkEqTNYOUBQAUfqICNmEcAMAke0VO2+zxbeFxOADgs0q1qWI2bJ7lCetGC+hDTcxjCZr
    7GBigXoLjiW6HlhZjuOH7L00MhrcCXQnEOoEDogo28kkQnaxcItyIyFcFa4EIAhwQNxltXDPyrNUhYoXAV9/aGPcIqLSKxYrvcXX
    L38XN3tu9qDDpxyN5T28h/fwHt7DezxzD3et3LUyVhRyOelnur5yTYfFVkz5GuXnQKQE2mySNDNut0Ykf3qpuA+Xp92YGMtcCKEU
    USQEUL6jwiD1bipe2JhEn4B9Am5tAp58AvYJ2Cdgn4B9Av6eCRhQJm9ATI2IQmmAlI8h3Zqop+sT8BdMwJ33eNAeiMxgDwNx42oc
    BtKZ7HcAdgAgZQP7NmL5XquHG1c3jBevEa4b1/Iywo2rG9fmjCviPBFIfunkK0Y3rm7U3EC7LOzG1WXhP5FjTU6TcQEb7440Y1wR
    tYIQI7sRN6AZl2b02EY34W7Cv+7k2M13dn1n19fH1bWC6FFWjG5M3Jh4Qrv38B7ew3t4D+/RckL7QBaJwpC1XCN1CiFJz8lkTQl4
    F0h9YkAKTPnsrvdP+PGlii9VDHWv3mI8QcpWAhSpitNHd5MAUkRJwfI2C6AEJ2RLEXGUymCRPlnx5RDvUv5ygDm5lXeBHD4TTPAw
    GZUVpVFXC4W/lZPtX8sCuQPnDhzUgUuzxTCGHOoBGOgIRwGxLVl2rXyg+0BvLoIfckJuD4ilAGQS2CBWHnM2hQs9ct57NBDsuDkL
    W+xRETX2RD2S11F258v4eM4N4Djl24OcAVOxlnucVWcASGUIAQpxSne2cN8h5x2ZVBmEHBJb5mm8jocbJDdIWIOUTOIg1ut7SJDc
    C8AKGjE1Qt62kSnptQRbn4B9Am6voMrDTAU2LEQErLhg6z28hwu2Lti6YOvu2euujxGxjRNAOmzE2XicDI9ncpuDRyC4K+E93KF1
    h9YdWndo3aH9ygiEco+ULBS4CAjurOhx3AzOwhsAbmIG7PxDCuMCajsi0nmGyQJ1RMpYBpRrQ1SPRcTSQDAdTaJcAOHjQ2fCj0bi
    cUIPKDSRnMl/KHb4prM7gcZOYA/ILp4AUT8mLs3jhKFWuKuTRaBqhVFbTQw04HBnBE8RCj4k5msAxFodFup7M7U6ELUHdpMMwQj4
    crGNjMkBUKujlQTsCguUbxb12crOuZ+16o6ksSO53AyKndi4Vkbr0s0k7X23UBMRjhPi2yImcSPNAXEXQGZe+QiBCocW4PKmYBH6
    UDHDRBMmA5YRFYc/2Cya9uvPMQBy99ylcZcG69IgtuoA4rNRFlloIwUXESVXcReymJIqDFJ8nhT+VkYDpO6ijV4QAGv9AaBKAJhc
    rk4OqQQWLZaZkG+bLJTzijCOYBIKMlxn8lOFgqzPs6hG5P33k7vv7r4/XsKOTdrH5s65O+funDfmnBPAsQ6AGNrozjn820YT5zxb
    RFFWcCy76+2ut7ve7npbnQHWSP5wxfAB5KiXTWeFg9/KpuJ8e5ACqRXLmeX622aT1LOye1YRl5wsIkLLxgRifkcT09lZzDCtpCaG
    2SI5rSJ97bX4kQGjMlkERtl8fXc13dX0uNPPu1YZ4AQCKssPqY30ghcr9Iw4xnMySQsCLDTcVLipaK7Acj/fmqhqBqlKhBD0cxv8
    6HeL8WL0XUx6GH0XxFw4mxTWmABf36TQiBtGN4xuGD9tsiDhjo9T3vKZDOMzOSyNGMYKRWF7HhG8AnVErMRkEm2T3B1xd+Q1j0Z9
    GFEPEqxmUowvmGQrleX6crJwBR4ZcA26HkRY7hEXkygXxEHBk4U83Uq4dDkio4JB5fEyXWcyhEFevOU70j5WiyxDhFVHcKzCmg4A
    1Mki9gzy5QBh2zb2BRE39lRfDuEZmIy5VqJKjVCfrl8DgnoPiJA1SXOoyNomQI++kVkKkFyC8IMqvHHEERCrhboBGS/BQsgqx+A7
    gzxxyKW/b5X+ylUAY3FaK59JFE1yTGNRQkiDyc5K2QkcrruJ5WqEiOUMwqjFx8l0BhxNWHG8oYmrGU1S4CKi4iUg1SqbHL0A4Qfi
    2xafNHXXZ20IHiYCQWykrowNYu4EuhOI3f8tIpaKk3gqDrByeaiKu9B1h9am1iBCpYFkbu7X3aLyt4UkQQGKUL3Wtx1MNLrsh8Hi
    j294pvECKNt1xaWJb21v1uXn/+lv8Z9G6t6e/K35/1f59Xvsfv33TreP/iy/82dvv9bw9r98S3et3LX6hJAOOdDNZKAnhNQOONuk
    lQPuEIf1IXScBKjMGhGR3L2JVmhSebMZTE1QR2xvDYBNeEQcf94tXJoKS9ibBJpGk1RNk6A3RBCPUS6RTSUNup4FZnOIcyt6tCuj
    7r67+/55/TVcH6SIapUV6ghgy7CZTCGTCn6IAv4VTM63JiqiVpyv1IoJN6mqCnECvdagm183v996Os5kop6ZxMBVmPBGdL6KqREQ
    4daMs4FwJRAVDXvAhuC3rSl/dchdN3a3g/eN7req/tljop+zqfz9a6tq6oYjyOZBdctntyibF9VtPrsl2XyobvvZLcv9r/n9bbP7
    ZtV7frvIIpuXs3mVzevZvMnm7Wzez+b0953Gn4DKW741k3yPt9/92e2uOahu8ezWy+akuuWzW5DNg+o2nt2ibJ5Ut/nslmTzorqt
    Z7csmzfVbT+7DbL5uO9GjNsomxVuxLhNslnhRozbLJsVbsS4LbJZ4UaM2yqbFW7EuG2yWeFGjJskDinciHE7ZLPCrT9xI8m3XuHW
    n7jRXbPCrT9xI8m3XuHWn7iR5FuvcOtP3EjyrVe49SduJPnWK9z6EzeSfOsVbv2JG0m+9Qq3wLhJvgWFW2DcJN+Cwi0wbpJvQeEW
    GDfJt6BwC4yb5FtQuAXGTfItKNwC4yb5FhRugXGTfAsKt3ji1ku+RYVbPHHr75oVbvHErZd8iwq3eOLWS75FhVs8cesl36LCLZ64
    9ZJvUeEWT9x6ybeocIsnbr3kW1S4JcZN8i0p3BLjJvmWFG6JcZN8Swq3xLhJviWFW2LcJN+Swi0xbpJvSeGWGDfJt6RwS4yb5FtS
    uOUTtyD5lhVu+cQt3DUr3PKJW5B8ywq3fOIWJN+ywi2fuAXJt6xwyyduQfItK9zyiVuQfMsKt3ziFiTfssJtYNwk3waF28C4Sb4N
    CreBcZN8GxRuA+Mm+TYo3AbGTfJtULgNjJvk26BwGxg3ybdB4TYwbpJvg8JtPHGLkm+jwm08cYt3zQq38cQtSr6NCrfxxC1Kvo0K
    t/HELUq+jQq38cQtSr6NCrfxxC1Kvo0Kt/HELUq+jQq3iXGTfJsUbhPjJvk2Kdwmxk3ybVK4TYyb5NukcJsYN8m3SeE2MW6Sb5PC
    bWLcJN8mhdvEuEm+TQq3+cQtSb7NCrf5xC3dNSvc5hO3JPk2K9zmE7ck+TYr3OYTtyT5Nivc5hO3JPk2K9zmE7ck+TYr3OYTtyT5
    NivcFsZN8m1RuC2Mm+TbonBbGDfJt0XhtjBukm+Lwm1h3CTfFoXbwrhJvi0Kt4Vxk3xbFG4L4yb5tijc1hO3LPm2KtzWE7d816xw
    W0/csuTbqnBbT9yy5NuqcFtP3LLk26pwW0/csuTbqnBbT9yy5NuqcFtP3LLk26pw2xg3ybdN4bYxbpJvm8JtY9wk3zaF28a4Sb5t
    CreNcZN82xRuG+Mm+bYp3DbGTfJtU7htjJvk26Zw20/cBsm3XeG2n7gNd80Kt/3EbZB82xVu+4nbIPm2K9z2E7dB8m1XuO0nboPk
    265w20/cBsm3XeG2n7gNkm+7wu1g3CTfDoXbwbhJvh0Kt4Nxk3w7FG4H4yb5dijcDsZN8u1QuB2Mm+TboXA7GDfJt0PhdjBukm/H
    PW7E+tvYyWZS3U7cxrvmoLqduI29bE6q24nbGGTzoLqduI1RNk+q24nbmGTzorqduI1ZNm+q24nbOMhmhRvrb+MomxVurL+Nk2xW
    uLH+Ns6yWeHG+tu4yGaFG+tv4yqbFW6sv42bbFa4sf427rJZ4cb623jIZoUb62+T5JvS34j1t+muWeHG+tsk+ab0N2L9bZJ8U/ob
    sf42Sb4p/Y1Yf5sk35T+Rqy/TZJvSn8j1t8myTelvxHrb5Pkm9LfiPW3SfJN6W/E+tsk+ab0N2L9bZJ8U/obsf42Sb4p/Y1Yf5sk
    35T+Rqy/TZJvSn8j1t8myTelvxHrb7Pkm9LfiPW3+a5Z4cb62yz5pvQ3Yv1tlnxT+hux/jZLvin9jVh/myXflP5GrL/Nkm9KfyPW
    32bJN6W/Eetvs+Sb0t+I9bdZ8k3pb8T62yz5pvQ3Yv1tlnxT+hux/jZLvin9jVh/myXflP5GrL/Nkm9KfyPW32bJN6W/Eetvi+Sb
    0t+I9bflrlnhxvrbIvmm9Ddi/W2RfFP6G7H+tki+Kf2NWH9bJN+U/kasvy2Sb0p/I9bfFsk3pb8R62+L5JvS34j1t0XyTelvxPrb
    Ivmm9Ddi/W2RfFP6G7H+tki+Kf2NWH9bJN+U/kasvy2Sb0p/I9bfFsk3pb8R62+r5JvS34j1t/WuWeHG+tsq+ab0N2L9bZV8U/ob
    sf62Sr4p/Y1Yf1sl35T+Rqy/rZJvSn8j1t9WyTelvxHrb6vkm9LfiPW3VfJN6W/E+tsq+ab0N2L9bZV8U/obsf62Sr4p/Y1Yf1sl
    35T+Rqy/rZJvSn8j1t9WyTelvxHrb5vkm9LfiPW37a5Z4cb62yb5pvQ3Yv1tk3xT+hux/rZJvin9jVh/2yTflP5GrL9tkm9KfyPW
    3zbJN6W/Eetvm+Sb0t+I9bdN8k3pb8T62yb5pvQ3Yv1tk3xT+hux/rZJvin9jVh/2yTflP5GrL9tkm9KfyPW3zbJN6W/Eetvu+Sb
    0t+I9bf9rlnhxvrbLvmm9Ddi/W2XfFP6G7H+tku+Kf2NWH/bJd+U/kasv+2Sb0p/I9bfdsk3pb8R62+75JvS34j1t13yTelvxPrb
    Lvmm9Ddi/W2XfFP6G7H+tku+Kf2NWH/bJd+U/kasv+2Sb0p/I9bfdsk3pb8R62+H5JvS34j1t+OuWeHG+tsh+ab0N2L97ZB8U/ob
    sf52SL4p/Y1Yfzsk35T+Rqy/HZJvSn8j1t8OyTelvxHrb4fkm9LfiPW3Q/JN6W/E+tsh+ab0N2L97ZB8U/obsf52SL4p/Y1Yfzsk
    35T+Rqy/yUA2Uvobsf52SL4dKkDv57Q2HIeqVZHfCcJ7r/lXKCKH8P1LfFMMP/2a4////XvvH4UgqV/N73UVbR7zbxevHwClybNJ
    zH9opJjQ8kpx0JCTDRG5B4ijyHqTtCwTTJ8pxey1jvv2Ht/Ro5W6CwlggYbJxFamRsrIAWaHAKgTDalCMl33x8osDIDju2zqMzcz
    5iZAFWjAiEqAKkZGozKajJcBMKLSzeII0g5w6kK4/i6Qwr9eT+chFveIE8EmX9z74t4X97jFPaR4BeD03fJ3Kc+4FYZx9MIkj1lN
    CfL1owmmiFr1A6AwSbCoIg952+gO3CM4cDYrpN5kkHYWa+yK9bGJogBR8BFHTmTA25o4GxDNIQBMFmA3M4wmypdJXTCIM7o18vU7
    P0PtOQwj4qQlgHQIOUNts9ALKkS9ckH4zeKkpYxYISFW4aOJXjCaKCwEUEdWE9RNmFyxhpoeZvsTsfUAWMlX2JfRohym0YHPJhvX
    iC1Uo21pRIBFfz2wYTA5jBeytb2aOPiAUxorStBO7jY/h9ucLRzr13KbK5Svw2IqcAffHXx38N3BdwffHXx38N3Bdwf/0Rz8AOhB
    gOmETCL+EAMdEAcDOUoot+FKZD9KCH4aoMfSPMbUOAK0j3j9Lh4M/crB0Hm2CO6s6PEwq1/PY/a8Xc/b9bxd53rVaPCc21fOuR1M
    fNxkEtmOCOAbTQIJHyaByXN/X2e5O5ksmYPJcjcDlogINXH0TWffdH6RTedGjgz3LeVv2VIObSQe+paybylDHcneezxQD19mfPMy
    IwGWCGShJ/iu2ivvqqWysj6YhDWYRDbnaLK4O3xEPeaI8pJcf/ocV1yJt5/nQRL97CcUwBeJ2WKhaZPqnxAyVGeSgbOYLDSH5wlp
    HABzWcWcCggkLY9bRA9fnn395DmabKI2sjyrcOERSnAjEx/CrbEputWKMwmpvkgW2QAVASW9ickqq/ybxU7BA4UkPc5e0wawDTYp
    f8nEXQXMli/GD1fgv9zFQ8SWkUmwkEkh5xQsqG+TfAbZ7B9NwjTKTD4sjEnFkyYTZ8Mk0Kecmorguk19AUj1Z4DpRLi8CMRiWU0s
    19ymWxuHDZDJjGujFQL011aCHj3tuAX3jEwSDMY2KjIMXRtTQYWOY5LOmQGbxoiEi4q7mERZl2eHCgMdr8dzptBIQBFAGR2CG6R/
    Guh2/we/fn/074f69+PDv4+3e7DD37//Er+X+wv06oZB/X7D/e6C/W0l9Qf3d4jq968LyN/DOw/wQ0D4MUJu0slky8ykYp/RcWSP
    o7i0opYgtnZNNuZaMbY9IKZlAKgU5ZrCFT2KiMXjYWonpEYym21y0juTdLUJoHMBtKGwWSiDwUShbCWOFLKxjziPLTbCj76NcdtM
    /YXJIt6xQuMG2FtI3epG9oTiF536Jhd27y3M5EJwCu9NjPIvZvUXVForjqSegf5oOe2LRQJMcD3gLoDi3K7/uv7r+q+x/uvbjX9g
    It38uPlx8+Pmx82Pm58GNxfdHCHMUTC5y+Dm6BvMUQ8wFIdJEQ43i3BBueLrDx6V4+s2N5RuKN1QuqF0Q+mG0leYbjjhqawjIHxz
    8nwLFzxd8PR8C1/Z/R5A8sVBLJ3HrHyxDUUcF484Riq6DXUb6jbUNw2fR/t082RhnhA9hjaWeJBaM4hK3JuF8Yn7zaLqPGA6hkxy
    G8CxAMTyVzAoteE2QM4tH24WdfoB+YgV7wLAFFJcEzB/QOo7IfJn8s3gpIcKrrtz8oDOSTLZ2h1vz3MgksmqNj6T8tdIsTTEJDck
    i7RbRLrrMx1V5IajPcMBmNIr1qwA04IwHDGbrEnSzc+oQZ9RE309Aa/iTCaZ8sWRHZdvCgXV9cl+/GuBtHxbuj84au2vu+b1/gS2
    f5rHd3u/27fiCDe69apGHAX1Sv2Hm6SXL/B7zbjpwxv89hHev8H1ryavmL5+Y3hSvxflsyT3WS4uVBH1XeLtQSrhuc/y0ss/xAEy
    PeDLpevLUIg/CjhwqcxCxAY+ouKajfdt4xdDaky5B/8NQVUW/nlyJ6lBJwlQYMPISXotM/lSG6OQSElEWhogGOGBNt93C0xtCoFD
    YvaCCYOiRRonJFzhtWbcJwoz+qoj0t2d+153LrSRuw85b7O3UIEqvr7JgdgVT3rcDE7Ug5x2EJ5nV7IV1zQjzkIJLYRvaDPAtip2
    3fyG+P0mV1/aMfptg0c/5GeuMH9oy2Q169x1y889qOgv9YlHiv3ltxrS9UuE65eYLl8CgIWaRz71IuPlS/Td9afIly8R6PqL7Nef
    4jq1QmriRboWeNED2Dm18CK5iYkvX8dCraw/9SLx+hfZmsBib2LuvD7l5OvDLKcWqAW4RBuzVqYn4UU/uWtt41qnFuYzwNwOmEmG
    volpYPCJ+V9Uk2+CE+HI5SZWbU0QHGCkEE+xtuALIjSF2AScRwtjxJdcvuRqd8mVQxPDbGviEtTCR82xhRn8b93NFzv+Up9jz9GC
    zWtkkj6eRP9QId+fNliNcRVhAZswHIBVZSN+OzXh1oQm9J/QhDfQtUAtxCWum4SwNDFG5ib89t7XMG1JzkMToRhtbF4h4GxCwUes
    KlMLC9OnEfX+voSvJB9iJYnY/2rChaLrnke6fomQMfPZnxLtv29zWA55zEffxTFO3fwx134LkCZVfeX3sOPfeoRij7HY4yj1+D1Q
    W/eIxbvEqdRjrvpK370WT43qA60909jgMx0NWo8G9abY4LeLHtpk+PH9W7nr6a7nA7me/wNkQegHiKECAA==
    """

    /// The decoded lines (gzip via the system's `gzip -dc`).
    static func lines() throws -> [Substring] {
        let scratch = ScratchDirectory("trace")
        let data = Data(base64Encoded: gzippedBase64, options: .ignoreUnknownCharacters)!
        let path = scratch.path("trace.gz")
        try data.write(to: URL(fileURLWithPath: path))
        let result = try runTool("gzip", ["-dc", path])
        precondition(result.status == 0, "gzip: \(result.stderr)")
        return result.stdout.split(separator: "\n")
    }
}
