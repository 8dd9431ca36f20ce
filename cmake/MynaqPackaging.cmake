# The Debian package: `cpack -G DEB` in a build directory. The shared libraries the two
# executables link are turned into Depends by dpkg-shlibdeps, so the list follows whatever the
# build linked (OpenCV and dlib through mynaq-face included); what mynaq runs rather than links
# is named here. tests/package/check_package.sh builds the package and checks both.
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME mynaq)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_VENDOR "mynaq")
set(CPACK_PACKAGE_CONTACT "mynaq developers <mynaq@example.jp>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY
    "My Number card (マイナ保険証) and online eligibility toolkit for clinics and pharmacies")
set(CPACK_PACKAGE_DESCRIPTION
    "mynaq reads the My Number card through PC/SC (readers, JPKI certificate, PIN retry
counters without spending tries, the face photo), verifies the face match, queries
insurance eligibility through the 資格確認端末's folder exchange or the Web API, records
consent, runs the outage fallback flows and reports the マイナ保険証利用率 with its 加算.")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION utils)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
# pcscd talks to the reader; libdlib-data holds the 68-point landmark model the face commands
# need (95 MB, so recommended rather than required for a PC without a camera).
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "pcscd, libdlib-data")
# vpcd: the virtual card of `mynaq sim` and `mynaq demo`; Chromium and Japanese fonts: the
# 申立書 as PDF and the usage chart as PNG.
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "vsmartcard-vpcd, chromium, fonts-noto-cjk, fonts-dejavu-core")
include(CPack)
