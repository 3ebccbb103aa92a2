# Qualcomm handsets on their DIAG (QCDM) port: the IMEI is NV item 550,
# read and written over DIAG, never over AT (README.md). 05c6 is Qualcomm's
# USB vendor id; 9091 and 9092 are the composite modes with a DIAG interface
# (see README.md, "Discovery"). Matched only for ports found to speak DIAG:
# an AT port of the same device never gets this profile.
[Profile]
Name=Qualcomm handset (DIAG)
Family=qualcomm
UsbIds=05c6:9091;05c6:9092;05c6:*;
Manufacturer=*
Model=*
Slots=2
CommandTimeoutMs=3000
WriteTimeoutMs=10000
Priority=0
