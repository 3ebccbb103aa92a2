# The fallback for any phone that answers 3GPP TS 27.007 identity reads.
# It matches everything, at the lowest priority, and cannot write.
[Profile]
Name=Any 3GPP TS 27.007 phone (read only)
Family=3gpp
Manufacturer=*
Model=*
Slots=1
CommandTimeoutMs=3000
WriteTimeoutMs=10000
Priority=0
