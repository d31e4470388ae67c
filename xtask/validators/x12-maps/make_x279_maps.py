"""Builds pyx12 maps for 005010X279A1 270/271 in /tmp/x12maps/map.

pyx12 4.0.0 (PyPI) ships no X279 maps. The ST_LOOP parts below are copied from the upstream
azoner/pyx12 repository's 270.5010.X279.A1.v2.xml / 271.5010.X279.A1.v2.xml, keeping every
Required segment/loop and the situational ones our files use; optional segments we never emit
are left out (the validator then flags them as unknown, i.e. it is stricter, never looser).
The dependent loops (2000D/2100D/2110D) are there too, with the same segments as the
subscriber's that Arrive writes (HL, TRN, NM1, DMG, DTP, EQ / AAA, EB); as in pyx12's 837 maps
a child HL loop is nested in its parent's, at a position after the parent's own loops.
The ISA/GS/GE/IEA wrapper is the installed 835.5010.X221.A1.xml's, with GS01/GS08 patched.
"""
import os, shutil, copy, sys
import xml.etree.ElementTree as ET

SRC = sys.argv[1]  # pyx12's installed map folder
DST = sys.argv[2]

def codes(s):
    return "<valid_codes>" + "".join(f"<code>{c}</code>" for c in s.split()) + "</valid_codes>"

SERVICE_TYPES = codes("""1 10 11 12 13 14 15 16 17 18 19 2 20 21 22 23 24 25 26 27 28 3 30 32 33 34 35 36 37 38 39
4 40 41 42 43 44 45 46 47 48 49 5 50 51 52 53 54 55 56 57 58 59 6 60 61 62 63 64 65 66 67 68 69 7 70 71 72 73 74
75 76 77 78 79 8 80 81 82 83 84 85 86 87 88 89 9 90 91 92 93 94 95 96 97 98 99 A0 A1 A2 A3 A4 A5 A6 A7 A8 A9 AA AB
AC AD AE AF AG AH AI AJ AK AL AM AN AO AQ AR B1 B2 B3 BA BB BC BD BE BF BG BH BI BJ BK BL BM BN BP BQ BR BS BT BU BV
BW BX BY BZ C1 CA CB CC CD CE CF CG CH CI CJ CK CL CM CN CO CP CQ DG DM DS GF GN GY IC MH NI ON PT PU RN RT TC TN UC""")

def hl(name, level, hl02_usage, hl04):
    return f"""<segment xid="HL" usage="R" pos="0100" max_use="1" name="{name}">
  <element xid="HL01" data_ele="628" usage="R" seq="01" name="Hierarchical ID Number" />
  <element xid="HL02" data_ele="734" usage="{hl02_usage}" seq="02" name="Hierarchical Parent ID Number" />
  <element xid="HL03" data_ele="735" usage="R" seq="03" name="Hierarchical Level Code">{codes(level)}</element>
  <element xid="HL04" data_ele="736" usage="R" seq="04" name="Hierarchical Child Code">{codes(hl04)}</element>
</segment>"""

def nm1(name, nm101, nm102, nm103_usage, nm108_usage, nm108, nm109_usage):
    return f"""<segment xid="NM1" usage="R" pos="0300" max_use="1" name="{name}">
  <syntax>P0809</syntax><syntax>C1110</syntax><syntax>C1203</syntax>
  <element xid="NM101" data_ele="98" usage="R" seq="01" name="Entity Identifier Code">{codes(nm101)}</element>
  <element xid="NM102" data_ele="1065" usage="R" seq="02" name="Entity Type Qualifier">{codes(nm102)}</element>
  <element xid="NM103" data_ele="1035" usage="{nm103_usage}" seq="03" name="Last or Organization Name" />
  <element xid="NM104" data_ele="1036" usage="S" seq="04" name="First Name" />
  <element xid="NM105" data_ele="1037" usage="S" seq="05" name="Middle Name" />
  <element xid="NM106" data_ele="1038" usage="N" seq="06" name="Name Prefix" />
  <element xid="NM107" data_ele="1039" usage="S" seq="07" name="Name Suffix" />
  <element xid="NM108" data_ele="66" usage="{nm108_usage}" seq="08" name="Identification Code Qualifier">{codes(nm108)}</element>
  <element xid="NM109" data_ele="67" usage="{nm109_usage}" seq="09" name="Identifier" />
  <element xid="NM110" data_ele="706" usage="N" seq="10" name="Entity Relationship Code" />
  <element xid="NM111" data_ele="98" usage="N" seq="11" name="Entity Identifier Code" />
  <element xid="NM112" data_ele="1035" usage="N" seq="12" name="Name Last or Organization Name" />
</segment>"""

def aaa(name, pos, aaa03, aaa04):
    return f"""<segment xid="AAA" usage="S" pos="{pos}" max_use="9" name="{name}">
  <element xid="AAA01" data_ele="1073" usage="R" seq="01" name="Valid Request Indicator">{codes("N Y")}</element>
  <element xid="AAA02" data_ele="559" usage="N" seq="02" name="Agency Qualifier Code" />
  <element xid="AAA03" data_ele="901" usage="R" seq="03" name="Reject Reason Code">{codes(aaa03)}</element>
  <element xid="AAA04" data_ele="889" usage="R" seq="04" name="Follow-up Action Code">{codes(aaa04)}</element>
</segment>"""

def trn(trn01, max_use):
    return f"""<segment xid="TRN" usage="S" pos="0200" max_use="{max_use}" name="Subscriber Trace Number">
  <element xid="TRN01" data_ele="481" usage="R" seq="01" name="Trace Type Code">{codes(trn01)}</element>
  <element xid="TRN02" data_ele="127" usage="R" seq="02" name="Trace Number" />
  <element xid="TRN03" data_ele="509" usage="R" seq="03" name="Trace Assigning Entity Identifier" />
  <element xid="TRN04" data_ele="127" usage="S" seq="04" name="Trace Assigning Entity Additional Identifier" />
</segment>"""

def dmg(dmg03, who="Subscriber"):
    return f"""<segment xid="DMG" usage="S" pos="1000" max_use="1" name="{who} Demographic Information">
  <syntax>P0102</syntax><syntax>P1011</syntax><syntax>C1105</syntax>
  <element xid="DMG01" data_ele="1250" usage="S" seq="01" name="Date Time Period Format Qualifier">{codes("D8")}</element>
  <element xid="DMG02" data_ele="1251" usage="S" seq="02" name="{who} Birth Date" />
  <element xid="DMG03" data_ele="1068" usage="S" seq="03" name="{who} Gender Code">{codes(dmg03)}</element>
  <element xid="DMG04" data_ele="1067" usage="N" seq="04" name="Marital Status Code" />
  <composite xid="DMG05" data_ele="C056" usage="N" seq="05" name="Composite Race or Ethnicity Information" repeat="10" />
  <element xid="DMG06" data_ele="1066" usage="N" seq="06" name="Citizenship Status Code" />
  <element xid="DMG07" data_ele="26" usage="N" seq="07" name="Country Code" />
  <element xid="DMG08" data_ele="659" usage="N" seq="08" name="Basis of Verification Code" />
  <element xid="DMG09" data_ele="380" usage="N" seq="09" name="Quantity" />
  <element xid="DMG10" data_ele="1270" usage="N" seq="10" name="Code List Qualifier Code" />
  <element xid="DMG11" data_ele="1271" usage="N" seq="11" name="Industry Code" />
</segment>"""

def dtp(name, pos, max_use, dtp01):
    return f"""<segment xid="DTP" usage="S" pos="{pos}" max_use="{max_use}" name="{name}">
  <element xid="DTP01" data_ele="374" usage="R" seq="01" name="Date Time Qualifier">{codes(dtp01)}</element>
  <element xid="DTP02" data_ele="1250" usage="R" seq="02" name="Date Time Period Format Qualifier">{codes("D8 RD8")}</element>
  <element xid="DTP03" data_ele="1251" usage="R" seq="03" name="Date Time Period" />
</segment>"""

def header(bht02, bht06_usage, bht06_codes):
    bht06 = codes(bht06_codes) if bht06_codes else ""
    return f"""<loop xid="HEADER" pos="0110" usage="R" repeat="1" type="wrapper" name="Header">
<segment xid="BHT" usage="R" pos="0200" max_use="1" name="Beginning of Hierarchical Transaction">
  <element xid="BHT01" data_ele="1005" usage="R" seq="01" name="Hierarchical Structure Code">{codes("0022")}</element>
  <element xid="BHT02" data_ele="353" usage="R" seq="02" name="Transaction Set Purpose Code">{codes(bht02)}</element>
  <element xid="BHT03" data_ele="127" usage="S" seq="03" name="Submitter Transaction Identifier" />
  <element xid="BHT04" data_ele="373" usage="R" seq="04" name="Transaction Set Creation Date" />
  <element xid="BHT05" data_ele="337" usage="R" seq="05" name="Transaction Set Creation Time" />
  <element xid="BHT06" data_ele="640" usage="{bht06_usage}" seq="06" name="Transaction Type Code">{bht06}</element>
</segment></loop>"""

def st_se(st01, se_pos, inner):
    return f"""<loop xid="ST_LOOP" pos="0200" usage="R" repeat="&gt;1" type="explicit" name="Transaction Set Header">
<segment xid="ST" usage="R" pos="0100" max_use="1" name="Transaction Set Header">
  <element xid="ST01" data_ele="143" usage="R" seq="01" name="Transaction Set Identifier Code">{codes(st01)}</element>
  <element xid="ST02" data_ele="329" usage="R" seq="02" name="Transaction Set Control Number" />
  <element xid="ST03" data_ele="1705" usage="R" seq="03" name="Implementation Convention Reference">{codes("005010X279A1")}</element>
</segment>
{inner}
<segment xid="SE" usage="R" pos="{se_pos}" max_use="1" name="Transaction Set Trailer">
  <element xid="SE01" data_ele="96" usage="R" seq="01" name="Transaction Segment Count" />
  <element xid="SE02" data_ele="329" usage="R" seq="02" name="Transaction Set Control Number" />
</segment></loop>"""

def eq_loop(xid, who):
    return f"""   <loop xid="{xid}" pos="1300" usage="S" repeat="99" name="{who} Eligibility or Benefit Inquiry">
    <segment xid="EQ" usage="R" pos="1300" max_use="1" name="{who} Eligibility or Benefit Inquiry">
     <syntax>R0102</syntax>
     <element xid="EQ01" data_ele="1365" usage="S" seq="01" name="Service Type Code" repeat="99">{SERVICE_TYPES}</element>
     <composite xid="EQ02" data_ele="C003" usage="S" seq="02" name="Composite Medical Procedure Identifier">
      <element xid="EQ02-01" data_ele="235" usage="R" seq="01" name="Product or Service ID Qualifier">{codes("AD CJ HC ID IV N4 ZZ")}</element>
      <element xid="EQ02-02" data_ele="234" usage="R" seq="02" name="Procedure Code" />
      <element xid="EQ02-03" data_ele="1339" usage="S" seq="03" name="Procedure Modifier" />
      <element xid="EQ02-04" data_ele="1339" usage="S" seq="04" name="Procedure Modifier" />
      <element xid="EQ02-05" data_ele="1339" usage="S" seq="05" name="Procedure Modifier" />
      <element xid="EQ02-06" data_ele="1339" usage="S" seq="06" name="Procedure Modifier" />
      <element xid="EQ02-07" data_ele="352" usage="N" seq="07" name="Description" />
      <element xid="EQ02-08" data_ele="234" usage="N" seq="08" name="Product/Service ID" />
     </composite>
     <element xid="EQ03" data_ele="1207" usage="S" seq="03" name="Coverage Level Code">{codes("FAM")}</element>
     <element xid="EQ04" data_ele="1336" usage="N" seq="04" name="Insurance Type Code" />
     <composite xid="EQ05" data_ele="C004" usage="S" seq="05" name="Composite Diagnosis Code Pointer">
      <element xid="EQ05-01" data_ele="1328" usage="R" seq="01" name="Diagnosis Code Pointer" />
      <element xid="EQ05-02" data_ele="1328" usage="S" seq="02" name="Diagnosis Code Pointer" />
      <element xid="EQ05-03" data_ele="1328" usage="S" seq="03" name="Diagnosis Code Pointer" />
      <element xid="EQ05-04" data_ele="1328" usage="S" seq="04" name="Diagnosis Code Pointer" />
     </composite>
    </segment>
   </loop>
"""

ST270 = st_se("270", "2100", header("01 13", "S", "RT") + f"""
<loop xid="TABLE2AREA2" pos="0120" usage="R" repeat="&gt;1" type="wrapper" name="Table2 - Area2">
 <loop xid="2000A" pos="0100" usage="R" repeat="&gt;1" name="Information Source Level">
  {hl("Information Source Level", "20", "N", "1")}
  <loop xid="2100A" pos="0300" usage="R" repeat="1" name="Information Source Name">
   {nm1("Information Source Name", "2B 36 GP P5 PR", "1 2", "R", "R", "24 46 FI NI PI XV XX", "R")}
  </loop>
 </loop>
</loop>
<loop xid="TABLE2AREA3" pos="0130" usage="R" repeat="&gt;1" type="wrapper" name="Table2 - Area3">
 <loop xid="2000B" pos="0100" usage="R" repeat="&gt;1" name="Information Receiver Level">
  {hl("Information Receiver Level", "21", "R", "1")}
  <loop xid="2100B" pos="0300" usage="R" repeat="1" name="Information Receiver Name">
   {nm1("Information Receiver Name", "1P 2B 36 80 FA GP P5 PR", "1 2", "R", "R", "24 34 FI PI PP SV XV XX", "R")}
  </loop>
 </loop>
</loop>
<loop xid="TABLE2AREA4" pos="0140" usage="R" repeat="&gt;1" type="wrapper" name="Table2 - Area4">
 <loop xid="2000C" pos="0100" usage="R" repeat="&gt;1" name="Subscriber Level">
  {hl("Subscriber Level", "22", "R", "0 1")}
  {trn("1", "2")}
  <loop xid="2100C" pos="0300" usage="R" repeat="1" name="Subscriber Name">
   {nm1("Subscriber Name", "IL", "1 2", "S", "S", "II MI", "S")}
   {dmg("F M")}
   {dtp("Subscriber Date", "1200", "2", "102 291")}
   {eq_loop("2110C", "Subscriber")}
  </loop>
  <loop xid="2000D" pos="3000" usage="S" repeat="&gt;1" name="Dependent Level">
   {hl("Dependent Level", "23", "R", "0")}
   {trn("1", "2")}
   <loop xid="2100D" pos="0300" usage="R" repeat="1" name="Dependent Name">
    {nm1("Dependent Name", "03", "1", "S", "N", "II MI", "N")}
    {dmg("F M", "Dependent")}
    {dtp("Dependent Date", "1200", "2", "102 291")}
    {eq_loop("2110D", "Dependent")}
   </loop>
  </loop>
 </loop>
</loop>""")

EB = f"""<segment xid="EB" usage="R" pos="1300" max_use="1" name="Subscriber Eligibility or Benefit Information">
 <syntax>P0910</syntax>
 <element xid="EB01" data_ele="1390" usage="R" seq="01" name="Eligibility or Benefit Information">{codes("1 2 3 4 5 6 7 8 A B C CB D E F G H I J K L M MC N O P Q R S T U V W X Y")}</element>
 <element xid="EB02" data_ele="1207" usage="S" seq="02" name="Benefit Coverage Level Code">{codes("CHD DEP ECH EMP ESP FAM IND SPC SPO")}</element>
 <element xid="EB03" data_ele="1365" usage="S" seq="03" name="Service Type Code" repeat="99">{SERVICE_TYPES}</element>
 <element xid="EB04" data_ele="1336" usage="S" seq="04" name="Insurance Type Code">{codes("12 13 14 15 16 41 42 43 47 AP C1 CO CP D DB EP FF GP HM HN HS IN IP LC LD LI LT MA MB MC MH MI MP OT PE PL PP PR PS QM RP SP TF WC WU")}</element>
 <element xid="EB05" data_ele="1204" usage="S" seq="05" name="Plan Coverage Description" />
 <element xid="EB06" data_ele="615" usage="S" seq="06" name="Time Period Qualifier">{codes("13 21 22 23 24 25 26 27 28 29 30 31 32 33 34 35 36 6 7")}</element>
 <element xid="EB07" data_ele="782" usage="S" seq="07" name="Benefit Amount" />
 <element xid="EB08" data_ele="954" usage="S" seq="08" name="Benefit Percent" />
 <element xid="EB09" data_ele="673" usage="S" seq="09" name="Quantity Qualifier">{codes("8H 99 CA CE D3 DB DY HS LA LE M2 MN P6 QA S7 S8 VS YY")}</element>
 <element xid="EB10" data_ele="380" usage="S" seq="10" name="Benefit Quantity" />
 <element xid="EB11" data_ele="1073" usage="S" seq="11" name="Authorization or Certification Indicator">{codes("N U Y")}</element>
 <element xid="EB12" data_ele="1073" usage="S" seq="12" name="In Plan Network Indicator">{codes("N U W Y")}</element>
 <composite xid="EB13" data_ele="C003" usage="S" seq="13" name="Composite Medical Procedure Identifier">
  <element xid="EB13-01" data_ele="235" usage="R" seq="01" name="Product or Service ID Qualifier">{codes("AD CJ HC ID IV N4 ZZ")}</element>
  <element xid="EB13-02" data_ele="234" usage="R" seq="02" name="Procedure Code" />
  <element xid="EB13-03" data_ele="1339" usage="S" seq="03" name="Procedure Modifier" />
  <element xid="EB13-04" data_ele="1339" usage="S" seq="04" name="Procedure Modifier" />
  <element xid="EB13-05" data_ele="1339" usage="S" seq="05" name="Procedure Modifier" />
  <element xid="EB13-06" data_ele="1339" usage="S" seq="06" name="Procedure Modifier" />
  <element xid="EB13-07" data_ele="352" usage="N" seq="07" name="Description" />
  <element xid="EB13-08" data_ele="234" usage="S" seq="08" name="Product or Service ID" />
 </composite>
 <composite xid="EB14" data_ele="C004" usage="S" seq="14" name="Composite Diagnosis Code Pointer">
  <element xid="EB14-01" data_ele="1328" usage="R" seq="01" name="Diagnosis Code Pointer" />
  <element xid="EB14-02" data_ele="1328" usage="S" seq="02" name="Diagnosis Code Pointer" />
  <element xid="EB14-03" data_ele="1328" usage="S" seq="03" name="Diagnosis Code Pointer" />
  <element xid="EB14-04" data_ele="1328" usage="S" seq="04" name="Diagnosis Code Pointer" />
 </composite>
</segment>"""

def eb_loop(xid, who):
    return f"""   <loop xid="{xid}" pos="1300" usage="S" repeat="&gt;1" name="{who} Eligibility or Benefit Information">
    {EB}
    {dtp(f"{who} Eligibility/Benefit Date", "1500", "20", "096 193 194 198 290 291 292 295 304 307 318 346 348 349 356 357 435 472 636 771")}
    {aaa(f"{who} Request Validation", "1600", "15 33 52 53 54 55 56 57 60 61 62 63 69 70 98 AA AE AF AG AO CI E8 IA MA", "C N R W X Y")}
    <segment xid="MSG" usage="S" pos="2500" max_use="10" name="Message Text">
     <syntax>C0302</syntax>
     <element xid="MSG01" data_ele="933" usage="R" seq="01" name="Free Form Message Text" />
     <element xid="MSG02" data_ele="934" usage="N" seq="02" name="Printer Carriage Control Code" />
     <element xid="MSG03" data_ele="1470" usage="N" seq="03" name="Number" />
    </segment>
   </loop>
"""

ST271 = st_se("271", "4100", header("06 11", "N", None) + f"""
<loop xid="TABLE2AREA2" pos="0120" usage="R" repeat="&gt;1" type="wrapper" name="Table2 - Area2">
 <loop xid="2000A" pos="0100" usage="R" repeat="&gt;1" name="Information Source Level">
  {hl("Information Source Level", "20", "N", "0 1")}
  {aaa("Request Validation", "0250", "04 41 42 79", "C N P R S Y")}
  <loop xid="2100A" pos="0300" usage="R" repeat="1" name="Information Source Name">
   {nm1("Information Source Name", "2B 36 GP P5 PR", "1 2", "R", "R", "24 46 FI NI PI XV XX", "R")}
   <segment xid="PER" usage="S" pos="0800" max_use="3" name="Information Source Contact Information">
    <syntax>P0304</syntax><syntax>P0506</syntax><syntax>P0708</syntax>
    <element xid="PER01" data_ele="366" usage="R" seq="01" name="Contact Function Code">{codes("IC")}</element>
    <element xid="PER02" data_ele="93" usage="S" seq="02" name="Information Source Contact Name" />
    <element xid="PER03" data_ele="365" usage="S" seq="03" name="Communication Number Qualifier">{codes("ED EM FX TE UR")}</element>
    <element xid="PER04" data_ele="364" usage="S" seq="04" name="Information Source Communication Number" />
    <element xid="PER05" data_ele="365" usage="S" seq="05" name="Communication Number Qualifier">{codes("ED EM EX FX TE UR")}</element>
    <element xid="PER06" data_ele="364" usage="S" seq="06" name="Information Source Communication Number" />
    <element xid="PER07" data_ele="365" usage="S" seq="07" name="Communication Number Qualifier">{codes("ED EM EX FX TE UR")}</element>
    <element xid="PER08" data_ele="364" usage="S" seq="08" name="Information Source Communication Number" />
    <element xid="PER09" data_ele="443" usage="N" seq="09" name="Contact Inquiry Reference" />
   </segment>
   {aaa("Request Validation", "0850", "04 41 42 79 80 T4", "C N P R S W X Y")}
  </loop>
 </loop>
</loop>
<loop xid="TABLE2AREA3" pos="0130" usage="S" repeat="&gt;1" type="wrapper" name="Table2 - Area3">
 <loop xid="2000B" pos="0100" usage="S" repeat="&gt;1" name="Information Receiver Level">
  {hl("Information Receiver Level", "21", "R", "0 1")}
  <loop xid="2100B" pos="0300" usage="R" repeat="1" name="Information Receiver Name">
   {nm1("Information Receiver Name", "1P 2B 36 80 FA GP P5 PR", "1 2", "S", "R", "24 34 FI PI PP SV XV XX", "R")}
   {aaa("Information Receiver Request Validation", "0850", "15 41 43 44 45 46 47 48 50 51 79 97 T4", "C N R S W X Y")}
  </loop>
 </loop>
</loop>
<loop xid="TABLE2AREA4" pos="0140" usage="S" repeat="&gt;1" type="wrapper" name="Table2 - Area4">
 <loop xid="2000C" pos="0100" usage="S" repeat="&gt;1" name="Subscriber Level">
  {hl("Subscriber Level", "22", "R", "0 1")}
  {trn("1 2", "3")}
  <loop xid="2100C" pos="0300" usage="R" repeat="1" name="Subscriber Name">
   {nm1("Subscriber Name", "IL", "1 2", "S", "S", "II MI", "S")}
   {aaa("Subscriber Request Validation", "0850", "15 35 42 43 45 47 48 49 51 52 56 57 58 60 61 62 63 71 72 73 74 75 76 78", "C N R S W X Y")}
   {dmg("F M U")}
   {dtp("Subscriber Date", "1200", "9", "096 102 152 291 307 318 340 341 342 343 346 347 356 357 382 435 442 458 472 539 540 636 771")}
   {eb_loop("2110C", "Subscriber")}
  </loop>
  <loop xid="2000D" pos="3000" usage="S" repeat="&gt;1" name="Dependent Level">
   {hl("Dependent Level", "23", "R", "0")}
   {trn("1 2", "3")}
   <loop xid="2100D" pos="0300" usage="R" repeat="1" name="Dependent Name">
    {nm1("Dependent Name", "03", "1", "S", "N", "II MI", "N")}
    {aaa("Dependent Request Validation", "0850", "15 35 42 43 45 47 48 49 51 52 56 57 58 60 61 62 63 64 65 66 67 68 71 77", "C N R S W X Y")}
    {dmg("F M U", "Dependent")}
    {dtp("Dependent Date", "1200", "9", "096 102 152 291 307 318 340 341 342 343 346 347 356 357 382 435 442 458 472 539 540 636 771")}
    {eb_loop("2110D", "Dependent")}
   </loop>
  </loop>
 </loop>
</loop>""")

def build(abbr, fic, st_xml, out_name):
    tree = ET.parse(os.path.join(SRC, "835.5010.X221.A1.xml"))
    root = tree.getroot()
    root.set("xid", abbr)
    root.find("name").text = f"HIPAA Health Care Eligibility {abbr} 005010X279A1 (trimmed from upstream pyx12)"
    gs_loop = root.find("./loop[@xid='ISA_LOOP']/loop[@xid='GS_LOOP']")
    gs = gs_loop.find("./segment[@xid='GS']")
    gs.find("./element[@xid='GS01']/valid_codes/code").text = fic
    gs.find("./element[@xid='GS08']/valid_codes/code").text = "005010X279A1"
    old = gs_loop.find("./loop[@xid='ST_LOOP']")
    idx = list(gs_loop).index(old)
    gs_loop.remove(old)
    gs_loop.insert(idx, ET.fromstring(st_xml))
    tree.write(os.path.join(DST, out_name), encoding="utf-8", xml_declaration=True)

if os.path.exists(DST):
    shutil.rmtree(DST)
shutil.copytree(SRC, DST, ignore=shutil.ignore_patterns("__pycache__"))
build("270", "HS", ST270, "270.5010.X279.A1.xml")
build("271", "HB", ST271, "271.5010.X279.A1.xml")
maps = open(os.path.join(DST, "maps.xml")).read()
entries = ('    <map vriic="005010X279A1" fic="HS" abbr="270">270.5010.X279.A1.xml</map>\n'
           '    <map vriic="005010X279A1" fic="HB" abbr="271">271.5010.X279.A1.xml</map>\n')
marker = '    <map vriic="005010X214" fic="HN" abbr="277">'
assert marker in maps
maps = maps.replace(marker, entries + marker, 1)
open(os.path.join(DST, "maps.xml"), "w").write(maps)
print("maps written to", DST)
