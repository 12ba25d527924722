/**
 * The Monitor Service's OData model as it publishes it at `/monitorodata/$metadata` (EDMX 4.0): every
 * entity set, its keys and properties with EDM types. A snapshot, so a record's columns and schema are
 * known without a call (the Azure DCR and table generator, the JSON Schema, the dead-letter checks); a
 * test checks the emulator publishes the same model. Regenerated from the emulator's document, which
 * follows Citrix's OpenAPI for the cloud API (docs/research/monitor-entity-sets.md).
 */
export const MONITOR_METADATA = `<?xml version="1.0" encoding="utf-8"?>
<edmx:Edmx Version="4.0" xmlns:edmx="http://docs.oasis-open.org/odata/ns/edmx">
  <edmx:DataServices>
    <Schema Namespace="Citrix.Monitor.Repository.V2.Model" xmlns="http://docs.oasis-open.org/odata/ns/edm">
      <EntityType Name="Session">
        <Key><PropertyRef Name="SessionKey"/></Key>
        <Property Name="SessionKey" Type="Edm.Guid" Nullable="false"/>
        <Property Name="StartDate" Type="Edm.DateTimeOffset"/>
        <Property Name="LogOnDuration" Type="Edm.Int64"/>
        <Property Name="EndDate" Type="Edm.DateTimeOffset"/>
        <Property Name="ExitCode" Type="Edm.Int32"/>
        <Property Name="FailureId" Type="Edm.Int64"/>
        <Property Name="FailureDate" Type="Edm.DateTimeOffset"/>
        <Property Name="ConnectionState" Type="Edm.Int32" Nullable="false"/>
        <Property Name="SessionIdleTime" Type="Edm.DateTimeOffset"/>
        <Property Name="ConnectionStateChangeDate" Type="Edm.DateTimeOffset"/>
        <Property Name="LifecycleState" Type="Edm.Int32" Nullable="false"/>
        <Property Name="CurrentConnectionId" Type="Edm.Int64"/>
        <Property Name="UserId" Type="Edm.Int32"/>
        <Property Name="MachineId" Type="Edm.Guid"/>
        <Property Name="SessionType" Type="Edm.Int32"/>
        <Property Name="IsAnonymous" Type="Edm.Boolean"/>
        <Property Name="PublishedDesktopId" Type="Edm.Int32"/>
        <Property Name="CreatedDate" Type="Edm.DateTimeOffset" Nullable="false"/>
        <Property Name="ModifiedDate" Type="Edm.DateTimeOffset" Nullable="false"/>
        <NavigationProperty Name="User" Type="Citrix.Monitor.Repository.V2.Model.User">
          <ReferentialConstraint Property="UserId" ReferencedProperty="Id"/>
        </NavigationProperty>
        <NavigationProperty Name="Machine" Type="Citrix.Monitor.Repository.V2.Model.Machine">
          <ReferentialConstraint Property="MachineId" ReferencedProperty="Id"/>
        </NavigationProperty>
      </EntityType>
      <EntityType Name="Machine">
        <Key><PropertyRef Name="Id"/></Key>
        <Property Name="Id" Type="Edm.Guid" Nullable="false"/>
        <Property Name="Sid" Type="Edm.String"/>
        <Property Name="Name" Type="Edm.String"/>
        <Property Name="DnsName" Type="Edm.String"/>
        <Property Name="LifecycleState" Type="Edm.Int32" Nullable="false"/>
        <Property Name="IPAddress" Type="Edm.String"/>
        <Property Name="HostedMachineId" Type="Edm.String"/>
        <Property Name="HostingServerName" Type="Edm.String"/>
        <Property Name="HostedMachineName" Type="Edm.String"/>
        <Property Name="IsAssigned" Type="Edm.Boolean"/>
        <Property Name="IsInMaintenanceMode" Type="Edm.Boolean"/>
        <Property Name="IsPendingUpdate" Type="Edm.Boolean"/>
        <Property Name="AgentVersion" Type="Edm.String"/>
        <Property Name="AssociatedUserFullNames" Type="Edm.String"/>
        <Property Name="AssociatedUserNames" Type="Edm.String"/>
        <Property Name="AssociatedUserUPNs" Type="Edm.String"/>
        <Property Name="CurrentRegistrationState" Type="Edm.Int32"/>
        <Property Name="RegistrationStateChangeDate" Type="Edm.DateTimeOffset"/>
        <Property Name="LastDeregisteredCode" Type="Edm.Int32"/>
        <Property Name="LastDeregisteredDate" Type="Edm.DateTimeOffset"/>
        <Property Name="CurrentPowerState" Type="Edm.Int32"/>
        <Property Name="CurrentSessionCount" Type="Edm.Int32"/>
        <Property Name="ControllerDnsName" Type="Edm.String"/>
        <Property Name="PoweredOnDate" Type="Edm.DateTimeOffset"/>
        <Property Name="PowerStateChangeDate" Type="Edm.DateTimeOffset"/>
        <Property Name="FunctionalLevel" Type="Edm.Int32"/>
        <Property Name="FailureDate" Type="Edm.DateTimeOffset"/>
        <Property Name="WindowsConnectionSetting" Type="Edm.Int32"/>
        <Property Name="IsPreparing" Type="Edm.Boolean"/>
        <Property Name="FaultState" Type="Edm.Int32"/>
        <Property Name="OSType" Type="Edm.String"/>
        <Property Name="CurrentLoadIndexId" Type="Edm.Int64"/>
        <Property Name="CatalogId" Type="Edm.Guid"/>
        <Property Name="DesktopGroupId" Type="Edm.Guid"/>
        <Property Name="HypervisorId" Type="Edm.Guid"/>
        <Property Name="Hash" Type="Edm.String"/>
        <Property Name="MachineRole" Type="Edm.Int32"/>
        <Property Name="CreatedDate" Type="Edm.DateTimeOffset" Nullable="false"/>
        <Property Name="ModifiedDate" Type="Edm.DateTimeOffset" Nullable="false"/>
        <NavigationProperty Name="Catalog" Type="Citrix.Monitor.Repository.V2.Model.Catalog">
          <ReferentialConstraint Property="CatalogId" ReferencedProperty="Id"/>
        </NavigationProperty>
        <NavigationProperty Name="DesktopGroup" Type="Citrix.Monitor.Repository.V2.Model.DesktopGroup">
          <ReferentialConstraint Property="DesktopGroupId" ReferencedProperty="Id"/>
        </NavigationProperty>
        <NavigationProperty Name="Hypervisor" Type="Citrix.Monitor.Repository.V2.Model.Hypervisor">
          <ReferentialConstraint Property="HypervisorId" ReferencedProperty="Id"/>
        </NavigationProperty>
      </EntityType>
      <EntityType Name="User">
        <Key><PropertyRef Name="Id"/></Key>
        <Property Name="Id" Type="Edm.Int32" Nullable="false"/>
        <Property Name="Sid" Type="Edm.String"/>
        <Property Name="Upn" Type="Edm.String"/>
        <Property Name="UserName" Type="Edm.String"/>
        <Property Name="FullName" Type="Edm.String"/>
        <Property Name="Domain" Type="Edm.String"/>
        <Property Name="CreatedDate" Type="Edm.DateTimeOffset" Nullable="false"/>
        <Property Name="ModifiedDate" Type="Edm.DateTimeOffset" Nullable="false"/>
      </EntityType>
      <EntityType Name="Connection">
        <Key><PropertyRef Name="Id"/></Key>
        <Property Name="Id" Type="Edm.Int64" Nullable="false"/>
        <Property Name="ClientName" Type="Edm.String"/>
        <Property Name="ClientAddress" Type="Edm.String"/>
        <Property Name="ClientVersion" Type="Edm.String"/>
        <Property Name="ClientPlatform" Type="Edm.String"/>
        <Property Name="ConnectedViaHostName" Type="Edm.String"/>
        <Property Name="ConnectedViaIPAddress" Type="Edm.String"/>
        <Property Name="LaunchedViaHostName" Type="Edm.String"/>
        <Property Name="LaunchedViaIPAddress" Type="Edm.String"/>
        <Property Name="IsReconnect" Type="Edm.Boolean"/>
        <Property Name="IsSecureIca" Type="Edm.Boolean"/>
        <Property Name="Protocol" Type="Edm.String"/>
        <Property Name="LogOnStartDate" Type="Edm.DateTimeOffset"/>
        <Property Name="LogOnEndDate" Type="Edm.DateTimeOffset"/>
        <Property Name="BrokeringDuration" Type="Edm.Int32"/>
        <Property Name="BrokeringDate" Type="Edm.DateTimeOffset"/>
        <Property Name="DisconnectCode" Type="Edm.Int32"/>
        <Property Name="DisconnectDate" Type="Edm.DateTimeOffset"/>
        <Property Name="VMStartStartDate" Type="Edm.DateTimeOffset"/>
        <Property Name="VMStartEndDate" Type="Edm.DateTimeOffset"/>
        <Property Name="ClientSessionValidateDate" Type="Edm.DateTimeOffset"/>
        <Property Name="ServerSessionValidateDate" Type="Edm.DateTimeOffset"/>
        <Property Name="EstablishmentDate" Type="Edm.DateTimeOffset"/>
        <Property Name="HdxStartDate" Type="Edm.DateTimeOffset"/>
        <Property Name="HdxEndDate" Type="Edm.DateTimeOffset"/>
        <Property Name="AuthenticationDuration" Type="Edm.Int32"/>
        <Property Name="GpoStartDate" Type="Edm.DateTimeOffset"/>
        <Property Name="GpoEndDate" Type="Edm.DateTimeOffset"/>
        <Property Name="LogOnScriptsStartDate" Type="Edm.DateTimeOffset"/>
        <Property Name="LogOnScriptsEndDate" Type="Edm.DateTimeOffset"/>
        <Property Name="ProfileLoadStartDate" Type="Edm.DateTimeOffset"/>
        <Property Name="ProfileLoadEndDate" Type="Edm.DateTimeOffset"/>
        <Property Name="InteractiveStartDate" Type="Edm.DateTimeOffset"/>
        <Property Name="InteractiveEndDate" Type="Edm.DateTimeOffset"/>
        <Property Name="SessionKey" Type="Edm.Guid"/>
        <Property Name="CreatedDate" Type="Edm.DateTimeOffset" Nullable="false"/>
        <Property Name="ModifiedDate" Type="Edm.DateTimeOffset" Nullable="false"/>
        <NavigationProperty Name="Session" Type="Citrix.Monitor.Repository.V2.Model.Session">
          <ReferentialConstraint Property="SessionKey" ReferencedProperty="Id"/>
        </NavigationProperty>
      </EntityType>
      <EntityType Name="Catalog">
        <Key><PropertyRef Name="Id"/></Key>
        <Property Name="Id" Type="Edm.Guid" Nullable="false"/>
        <Property Name="Name" Type="Edm.String"/>
        <Property Name="LifecycleState" Type="Edm.Int32" Nullable="false"/>
        <Property Name="ProvisioningType" Type="Edm.Int32"/>
        <Property Name="PersistentUserChanges" Type="Edm.Int32"/>
        <Property Name="IsMachinePhysical" Type="Edm.Boolean"/>
        <Property Name="AllocationType" Type="Edm.Int32"/>
        <Property Name="SessionSupport" Type="Edm.Int32"/>
        <Property Name="ProvisioningSchemeId" Type="Edm.Guid"/>
        <Property Name="ZoneUid" Type="Edm.Guid"/>
        <Property Name="ZoneName" Type="Edm.String"/>
        <Property Name="CreatedDate" Type="Edm.DateTimeOffset" Nullable="false"/>
        <Property Name="ModifiedDate" Type="Edm.DateTimeOffset" Nullable="false"/>
      </EntityType>
      <EntityType Name="DesktopGroup">
        <Key><PropertyRef Name="Id"/></Key>
        <Property Name="Id" Type="Edm.Guid" Nullable="false"/>
        <Property Name="Name" Type="Edm.String"/>
        <Property Name="IsRemotePC" Type="Edm.Boolean"/>
        <Property Name="DesktopKind" Type="Edm.Int32"/>
        <Property Name="LifecycleState" Type="Edm.Int32" Nullable="false"/>
        <Property Name="SessionSupport" Type="Edm.Int32"/>
        <Property Name="DeliveryType" Type="Edm.Int32"/>
        <Property Name="IsInMaintenanceMode" Type="Edm.Boolean"/>
        <Property Name="MachineCost" Type="Edm.Double"/>
        <Property Name="CurrencyType" Type="Edm.Int32"/>
        <Property Name="AutoscaleTagId" Type="Edm.Int32"/>
        <Property Name="CreatedDate" Type="Edm.DateTimeOffset" Nullable="false"/>
        <Property Name="ModifiedDate" Type="Edm.DateTimeOffset" Nullable="false"/>
      </EntityType>
      <EntityType Name="Hypervisor">
        <Key><PropertyRef Name="Id"/></Key>
        <Property Name="Id" Type="Edm.Guid" Nullable="false"/>
        <Property Name="Name" Type="Edm.String"/>
        <Property Name="Type" Type="Edm.String"/>
        <Property Name="LifecycleState" Type="Edm.Int32" Nullable="false"/>
        <Property Name="CreatedDate" Type="Edm.DateTimeOffset" Nullable="false"/>
        <Property Name="ModifiedDate" Type="Edm.DateTimeOffset" Nullable="false"/>
      </EntityType>
      <EntityType Name="Application">
        <Key><PropertyRef Name="Id"/></Key>
        <Property Name="Id" Type="Edm.Int32" Nullable="false"/>
        <Property Name="Name" Type="Edm.String"/>
        <Property Name="PublishedName" Type="Edm.String"/>
        <Property Name="ApplicationType" Type="Edm.Int32"/>
        <Property Name="Enabled" Type="Edm.Boolean"/>
        <Property Name="AdminFolder" Type="Edm.String"/>
        <Property Name="LifecycleState" Type="Edm.Int32" Nullable="false"/>
        <Property Name="Path" Type="Edm.String"/>
        <Property Name="BrowserName" Type="Edm.String"/>
        <Property Name="Description" Type="Edm.String"/>
        <Property Name="CreatedDate" Type="Edm.DateTimeOffset" Nullable="false"/>
        <Property Name="ModifiedDate" Type="Edm.DateTimeOffset" Nullable="false"/>
      </EntityType>
      <EntityType Name="ApplicationInstance">
        <Key><PropertyRef Name="Id"/></Key>
        <Property Name="Id" Type="Edm.Int64" Nullable="false"/>
        <Property Name="ApplicationId" Type="Edm.Int32"/>
        <Property Name="SessionKey" Type="Edm.Guid"/>
        <Property Name="StartDate" Type="Edm.DateTimeOffset"/>
        <Property Name="EndDate" Type="Edm.DateTimeOffset"/>
        <Property Name="CreatedDate" Type="Edm.DateTimeOffset" Nullable="false"/>
        <Property Name="ModifiedDate" Type="Edm.DateTimeOffset" Nullable="false"/>
        <NavigationProperty Name="Application" Type="Citrix.Monitor.Repository.V2.Model.Application">
          <ReferentialConstraint Property="ApplicationId" ReferencedProperty="Id"/>
        </NavigationProperty>
      </EntityType>
      <EntityType Name="LogOnSummary">
        <Key><PropertyRef Name="Id"/></Key>
        <Property Name="Id" Type="Edm.Int64" Nullable="false"/>
        <Property Name="SummaryDate" Type="Edm.DateTimeOffset" Nullable="false"/>
        <Property Name="DesktopGroupId" Type="Edm.Guid"/>
        <Property Name="Granularity" Type="Edm.Int32" Nullable="false"/>
        <Property Name="TotalDuration" Type="Edm.Int64"/>
        <Property Name="TotalCount" Type="Edm.Int32"/>
        <Property Name="BrokeringDuration" Type="Edm.Int64"/>
        <Property Name="BrokeringCount" Type="Edm.Int32"/>
        <Property Name="VMStartDuration" Type="Edm.Int64"/>
        <Property Name="VMStartCount" Type="Edm.Int32"/>
        <Property Name="VMPowerOnDuration" Type="Edm.Int64"/>
        <Property Name="VMRegistrationDuration" Type="Edm.Int64"/>
        <Property Name="HdxDuration" Type="Edm.Int64"/>
        <Property Name="HdxCount" Type="Edm.Int32"/>
        <Property Name="AuthenticationDuration" Type="Edm.Int64"/>
        <Property Name="AuthenticationCount" Type="Edm.Int32"/>
        <Property Name="GpoDuration" Type="Edm.Int64"/>
        <Property Name="GpoCount" Type="Edm.Int32"/>
        <Property Name="LogOnScriptsDuration" Type="Edm.Int64"/>
        <Property Name="LogOnScriptsCount" Type="Edm.Int32"/>
        <Property Name="ProfileLoadDuration" Type="Edm.Int64"/>
        <Property Name="ProfileLoadCount" Type="Edm.Int32"/>
        <Property Name="InteractiveDuration" Type="Edm.Int64"/>
        <Property Name="InteractiveCount" Type="Edm.Int32"/>
        <Property Name="CreatedDate" Type="Edm.DateTimeOffset" Nullable="false"/>
        <Property Name="ModifiedDate" Type="Edm.DateTimeOffset" Nullable="false"/>
        <NavigationProperty Name="DesktopGroup" Type="Citrix.Monitor.Repository.V2.Model.DesktopGroup">
          <ReferentialConstraint Property="DesktopGroupId" ReferencedProperty="Id"/>
        </NavigationProperty>
      </EntityType>
      <EntityType Name="ConnectionFailureLog">
        <Key><PropertyRef Name="Id"/></Key>
        <Property Name="Id" Type="Edm.Int64" Nullable="false"/>
        <Property Name="SessionKey" Type="Edm.Guid"/>
        <Property Name="FailureDate" Type="Edm.DateTimeOffset"/>
        <Property Name="UserId" Type="Edm.Int32"/>
        <Property Name="MachineId" Type="Edm.Guid"/>
        <Property Name="ConnectionFailureEnumValue" Type="Edm.Int32" Nullable="false"/>
        <Property Name="CreatedDate" Type="Edm.DateTimeOffset" Nullable="false"/>
        <Property Name="ModifiedDate" Type="Edm.DateTimeOffset" Nullable="false"/>
        <NavigationProperty Name="User" Type="Citrix.Monitor.Repository.V2.Model.User">
          <ReferentialConstraint Property="UserId" ReferencedProperty="Id"/>
        </NavigationProperty>
        <NavigationProperty Name="Machine" Type="Citrix.Monitor.Repository.V2.Model.Machine">
          <ReferentialConstraint Property="MachineId" ReferencedProperty="Id"/>
        </NavigationProperty>
        <NavigationProperty Name="Session" Type="Citrix.Monitor.Repository.V2.Model.Session">
          <ReferentialConstraint Property="SessionKey" ReferencedProperty="Id"/>
        </NavigationProperty>
      </EntityType>
      <EntityType Name="MachineFailureLog">
        <Key><PropertyRef Name="Id"/></Key>
        <Property Name="Id" Type="Edm.Int64" Nullable="false"/>
        <Property Name="MachineId" Type="Edm.Guid"/>
        <Property Name="FailureStartDate" Type="Edm.DateTimeOffset"/>
        <Property Name="FailureEndDate" Type="Edm.DateTimeOffset"/>
        <Property Name="FaultState" Type="Edm.Int32"/>
        <Property Name="LastDeregisteredCode" Type="Edm.Int32"/>
        <Property Name="CreatedDate" Type="Edm.DateTimeOffset" Nullable="false"/>
        <Property Name="ModifiedDate" Type="Edm.DateTimeOffset" Nullable="false"/>
        <NavigationProperty Name="Machine" Type="Citrix.Monitor.Repository.V2.Model.Machine">
          <ReferentialConstraint Property="MachineId" ReferencedProperty="Id"/>
        </NavigationProperty>
      </EntityType>
      <EntityType Name="SessionAutoReconnect">
        <Key><PropertyRef Name="Id"/></Key>
        <Property Name="Id" Type="Edm.Int64" Nullable="false"/>
        <Property Name="SessionKey" Type="Edm.Guid" Nullable="false"/>
        <Property Name="ConnectionId" Type="Edm.Int64" Nullable="false"/>
        <Property Name="AutoReconnectCount" Type="Edm.Int32" Nullable="false"/>
        <Property Name="AutoReconnectType" Type="Edm.Int32" Nullable="false"/>
        <Property Name="EventTimestamp" Type="Edm.DateTimeOffset" Nullable="false"/>
        <Property Name="CreatedDate" Type="Edm.DateTimeOffset" Nullable="false"/>
        <NavigationProperty Name="Session" Type="Citrix.Monitor.Repository.V2.Model.Session">
          <ReferentialConstraint Property="SessionKey" ReferencedProperty="Id"/>
        </NavigationProperty>
      </EntityType>
      <EntityType Name="SessionMetrics">
        <Key><PropertyRef Name="Id"/></Key>
        <Property Name="Id" Type="Edm.Int64" Nullable="false"/>
        <Property Name="SessionId" Type="Edm.Guid"/>
        <Property Name="CollectedDate" Type="Edm.DateTimeOffset" Nullable="false"/>
        <Property Name="IcaRttMS" Type="Edm.Int32"/>
        <Property Name="CreatedDate" Type="Edm.DateTimeOffset" Nullable="false"/>
        <Property Name="ModifiedDate" Type="Edm.DateTimeOffset" Nullable="false"/>
        <NavigationProperty Name="Session" Type="Citrix.Monitor.Repository.V2.Model.Session">
          <ReferentialConstraint Property="SessionId" ReferencedProperty="Id"/>
        </NavigationProperty>
      </EntityType>
      <EntityType Name="MachineMetric">
        <Key><PropertyRef Name="Id"/></Key>
        <Property Name="Id" Type="Edm.Int64" Nullable="false"/>
        <Property Name="MachineId" Type="Edm.Guid"/>
        <Property Name="CollectedDate" Type="Edm.DateTimeOffset" Nullable="false"/>
        <Property Name="Iops" Type="Edm.Double"/>
        <Property Name="Latency" Type="Edm.Double"/>
        <Property Name="CreatedDate" Type="Edm.DateTimeOffset" Nullable="false"/>
        <Property Name="ModifiedDate" Type="Edm.DateTimeOffset" Nullable="false"/>
        <NavigationProperty Name="Machine" Type="Citrix.Monitor.Repository.V2.Model.Machine">
          <ReferentialConstraint Property="MachineId" ReferencedProperty="Id"/>
        </NavigationProperty>
      </EntityType>
      <EntityType Name="ApplicationInstanceSummary">
        <Key><PropertyRef Name="Id"/></Key>
        <Property Name="Id" Type="Edm.Int64" Nullable="false"/>
        <Property Name="SummaryDate" Type="Edm.DateTimeOffset" Nullable="false"/>
        <Property Name="ApplicationId" Type="Edm.Int32"/>
        <Property Name="DesktopGroupId" Type="Edm.Guid"/>
        <Property Name="PeakConcurrentInstanceCount" Type="Edm.Int32" Nullable="false"/>
        <Property Name="TotalUsageDuration" Type="Edm.Double" Nullable="false"/>
        <Property Name="TotalLaunchesCount" Type="Edm.Int32" Nullable="false"/>
        <Property Name="StartingInstanceCount" Type="Edm.Int32" Nullable="false"/>
        <Property Name="Granularity" Type="Edm.Int32" Nullable="false"/>
        <Property Name="CreatedDate" Type="Edm.DateTimeOffset" Nullable="false"/>
        <Property Name="ModifiedDate" Type="Edm.DateTimeOffset" Nullable="false"/>
        <NavigationProperty Name="Application" Type="Citrix.Monitor.Repository.V2.Model.Application">
          <ReferentialConstraint Property="ApplicationId" ReferencedProperty="Id"/>
        </NavigationProperty>
        <NavigationProperty Name="DesktopGroup" Type="Citrix.Monitor.Repository.V2.Model.DesktopGroup">
          <ReferentialConstraint Property="DesktopGroupId" ReferencedProperty="Id"/>
        </NavigationProperty>
      </EntityType>
      <EntityType Name="DesktopOSDesktopSummary">
        <Key><PropertyRef Name="Id"/></Key>
        <Property Name="Id" Type="Edm.Int64" Nullable="false"/>
        <Property Name="SummaryDate" Type="Edm.DateTimeOffset" Nullable="false"/>
        <Property Name="DesktopGroupId" Type="Edm.Guid"/>
        <Property Name="PeakConcurrentInstanceCount" Type="Edm.Int32" Nullable="false"/>
        <Property Name="TotalUsageDuration" Type="Edm.Double" Nullable="false"/>
        <Property Name="TotalLaunchesCount" Type="Edm.Int32" Nullable="false"/>
        <Property Name="StartingInstanceCount" Type="Edm.Int32" Nullable="false"/>
        <Property Name="Granularity" Type="Edm.Int32" Nullable="false"/>
        <Property Name="CreatedDate" Type="Edm.DateTimeOffset" Nullable="false"/>
        <Property Name="ModifiedDate" Type="Edm.DateTimeOffset" Nullable="false"/>
        <NavigationProperty Name="DesktopGroup" Type="Citrix.Monitor.Repository.V2.Model.DesktopGroup">
          <ReferentialConstraint Property="DesktopGroupId" ReferencedProperty="Id"/>
        </NavigationProperty>
      </EntityType>
      <EntityType Name="ServerOSDesktopSummary">
        <Key><PropertyRef Name="Id"/></Key>
        <Property Name="Id" Type="Edm.Int64" Nullable="false"/>
        <Property Name="SummaryDate" Type="Edm.DateTimeOffset" Nullable="false"/>
        <Property Name="MachineId" Type="Edm.Guid"/>
        <Property Name="DesktopGroupId" Type="Edm.Guid"/>
        <Property Name="PeakConcurrentInstanceCount" Type="Edm.Int32" Nullable="false"/>
        <Property Name="TotalUsageDuration" Type="Edm.Double" Nullable="false"/>
        <Property Name="TotalLaunchesCount" Type="Edm.Int32" Nullable="false"/>
        <Property Name="StartingInstanceCount" Type="Edm.Int32" Nullable="false"/>
        <Property Name="Granularity" Type="Edm.Int32" Nullable="false"/>
        <Property Name="CreatedDate" Type="Edm.DateTimeOffset" Nullable="false"/>
        <Property Name="ModifiedDate" Type="Edm.DateTimeOffset" Nullable="false"/>
        <NavigationProperty Name="Machine" Type="Citrix.Monitor.Repository.V2.Model.Machine">
          <ReferentialConstraint Property="MachineId" ReferencedProperty="Id"/>
        </NavigationProperty>
        <NavigationProperty Name="DesktopGroup" Type="Citrix.Monitor.Repository.V2.Model.DesktopGroup">
          <ReferentialConstraint Property="DesktopGroupId" ReferencedProperty="Id"/>
        </NavigationProperty>
      </EntityType>
      <EntityType Name="SessionActivitySummary">
        <Key><PropertyRef Name="Id"/></Key>
        <Property Name="Id" Type="Edm.Int64" Nullable="false"/>
        <Property Name="SummaryDate" Type="Edm.DateTimeOffset" Nullable="false"/>
        <Property Name="DesktopGroupId" Type="Edm.Guid"/>
        <Property Name="ConnectedSessionCount" Type="Edm.Int32" Nullable="false"/>
        <Property Name="DisconnectedSessionCount" Type="Edm.Int32" Nullable="false"/>
        <Property Name="ConcurrentSessionCount" Type="Edm.Int32" Nullable="false"/>
        <Property Name="TotalLogOnDuration" Type="Edm.Double" Nullable="false"/>
        <Property Name="TotalLogOnCount" Type="Edm.Int32" Nullable="false"/>
        <Property Name="Granularity" Type="Edm.Int32" Nullable="false"/>
        <Property Name="CreatedDate" Type="Edm.DateTimeOffset" Nullable="false"/>
        <Property Name="ModifiedDate" Type="Edm.DateTimeOffset" Nullable="false"/>
        <NavigationProperty Name="DesktopGroup" Type="Citrix.Monitor.Repository.V2.Model.DesktopGroup">
          <ReferentialConstraint Property="DesktopGroupId" ReferencedProperty="Id"/>
        </NavigationProperty>
      </EntityType>
      <EntityType Name="FailureLogSummary">
        <Key><PropertyRef Name="Id"/></Key>
        <Property Name="Id" Type="Edm.Int64" Nullable="false"/>
        <Property Name="SummaryDate" Type="Edm.DateTimeOffset" Nullable="false"/>
        <Property Name="DesktopGroupId" Type="Edm.Guid"/>
        <Property Name="FailureCategory" Type="Edm.Int32" Nullable="false"/>
        <Property Name="FailureCode" Type="Edm.Int32" Nullable="false"/>
        <Property Name="FailureCount" Type="Edm.Int32" Nullable="false"/>
        <Property Name="Granularity" Type="Edm.Int32" Nullable="false"/>
        <Property Name="CreatedDate" Type="Edm.DateTimeOffset" Nullable="false"/>
        <Property Name="ModifiedDate" Type="Edm.DateTimeOffset" Nullable="false"/>
        <NavigationProperty Name="DesktopGroup" Type="Citrix.Monitor.Repository.V2.Model.DesktopGroup">
          <ReferentialConstraint Property="DesktopGroupId" ReferencedProperty="Id"/>
        </NavigationProperty>
      </EntityType>
      <EntityType Name="ReconnectSummary">
        <Key><PropertyRef Name="Id"/></Key>
        <Property Name="Id" Type="Edm.Int64" Nullable="false"/>
        <Property Name="SummaryDate" Type="Edm.DateTimeOffset" Nullable="false"/>
        <Property Name="DesktopGroupId" Type="Edm.Guid"/>
        <Property Name="Granularity" Type="Edm.Int32" Nullable="false"/>
        <Property Name="ReconnectCount" Type="Edm.Int32" Nullable="false"/>
        <Property Name="AutoReconnectCount" Type="Edm.Int32" Nullable="false"/>
        <Property Name="CreatedDate" Type="Edm.DateTimeOffset" Nullable="false"/>
        <Property Name="ModifiedDate" Type="Edm.DateTimeOffset" Nullable="false"/>
        <NavigationProperty Name="DesktopGroup" Type="Citrix.Monitor.Repository.V2.Model.DesktopGroup">
          <ReferentialConstraint Property="DesktopGroupId" ReferencedProperty="Id"/>
        </NavigationProperty>
      </EntityType>
      <EntityType Name="LogOnMetric">
        <Key><PropertyRef Name="Id"/></Key>
        <Property Name="Id" Type="Edm.Int64" Nullable="false"/>
        <Property Name="SessionKey" Type="Edm.Guid" Nullable="false"/>
        <Property Name="UserInitStartDate" Type="Edm.DateTimeOffset"/>
        <Property Name="UserInitEndDate" Type="Edm.DateTimeOffset"/>
        <NavigationProperty Name="Session" Type="Citrix.Monitor.Repository.V2.Model.Session">
          <ReferentialConstraint Property="SessionKey" ReferencedProperty="Id"/>
        </NavigationProperty>
      </EntityType>
      <EntityType Name="SessionMetricsLatest">
        <Key><PropertyRef Name="SessionKey"/></Key>
        <Property Name="SessionKey" Type="Edm.Guid" Nullable="false"/>
        <Property Name="ClientL7Latency" Type="Edm.Int32"/>
        <Property Name="ServerL7Latency" Type="Edm.Int32"/>
        <Property Name="CloudConnectorName" Type="Edm.String"/>
        <Property Name="GatewayPopName" Type="Edm.String"/>
        <Property Name="EdtMtu" Type="Edm.String"/>
        <Property Name="HdxConnectionType" Type="Edm.Int32"/>
        <Property Name="HdxProtocolName" Type="Edm.String"/>
        <Property Name="CreatedDate" Type="Edm.DateTimeOffset" Nullable="false"/>
        <Property Name="ModifiedDate" Type="Edm.DateTimeOffset" Nullable="false"/>
        <NavigationProperty Name="Session" Type="Citrix.Monitor.Repository.V2.Model.Session">
          <ReferentialConstraint Property="SessionKey" ReferencedProperty="Id"/>
        </NavigationProperty>
      </EntityType>
      <EntityType Name="MachineCost">
        <Key><PropertyRef Name="MachineId"/></Key>
        <Property Name="MachineId" Type="Edm.Guid" Nullable="false"/>
        <Property Name="SpecId" Type="Edm.Int32"/>
        <Property Name="CostPerHour" Type="Edm.Double"/>
        <Property Name="Currency" Type="Edm.String"/>
        <Property Name="CostSource" Type="Edm.Int32"/>
        <Property Name="PowerOnComputeCostPerHour" Type="Edm.Double"/>
        <Property Name="PowerOnStorageCostPerHour" Type="Edm.Double"/>
        <Property Name="PowerOffStorageCostPerHour" Type="Edm.Double"/>
        <Property Name="CreatedDate" Type="Edm.DateTimeOffset" Nullable="false"/>
        <Property Name="ModifiedDate" Type="Edm.DateTimeOffset" Nullable="false"/>
        <NavigationProperty Name="Machine" Type="Citrix.Monitor.Repository.V2.Model.Machine">
          <ReferentialConstraint Property="MachineId" ReferencedProperty="Id"/>
        </NavigationProperty>
      </EntityType>
      <EntityType Name="ResourceUtilization">
        <Key><PropertyRef Name="MachineId"/><PropertyRef Name="CollectedDate"/></Key>
        <Property Name="MachineId" Type="Edm.Guid" Nullable="false"/>
        <Property Name="CollectedDate" Type="Edm.DateTimeOffset" Nullable="false"/>
        <Property Name="PercentCpu" Type="Edm.Double"/>
        <Property Name="UsedMemory" Type="Edm.Double"/>
        <Property Name="TotalMemory" Type="Edm.Double"/>
        <Property Name="SessionCount" Type="Edm.Int32"/>
        <Property Name="CreatedDate" Type="Edm.DateTimeOffset" Nullable="false"/>
        <Property Name="ModifiedDate" Type="Edm.DateTimeOffset" Nullable="false"/>
        <Property Name="DesktopGroupId" Type="Edm.Guid"/>
        <Property Name="AvgIcaRttInMs" Type="Edm.Int32"/>
        <NavigationProperty Name="Machine" Type="Citrix.Monitor.Repository.V2.Model.Machine">
          <ReferentialConstraint Property="MachineId" ReferencedProperty="Id"/>
        </NavigationProperty>
        <NavigationProperty Name="DesktopGroup" Type="Citrix.Monitor.Repository.V2.Model.DesktopGroup">
          <ReferentialConstraint Property="DesktopGroupId" ReferencedProperty="Id"/>
        </NavigationProperty>
      </EntityType>
      <EntityType Name="ResourceUtilizationSummary">
        <Key><PropertyRef Name="MachineId"/><PropertyRef Name="Granularity"/><PropertyRef Name="SummaryDate"/></Key>
        <Property Name="MachineId" Type="Edm.Guid" Nullable="false"/>
        <Property Name="Granularity" Type="Edm.Int32" Nullable="false"/>
        <Property Name="SummaryDate" Type="Edm.DateTimeOffset" Nullable="false"/>
        <Property Name="DesktopGroupId" Type="Edm.Guid"/>
        <Property Name="AvgPercentCpu" Type="Edm.Double"/>
        <Property Name="PeakPercentCpu" Type="Edm.Double"/>
        <Property Name="AvgUsedMemory" Type="Edm.Double"/>
        <Property Name="PeakUsedMemory" Type="Edm.Double"/>
        <Property Name="AvgTotalMemory" Type="Edm.Double"/>
        <Property Name="TotalSessionCount" Type="Edm.Int32"/>
        <Property Name="AvgIcaRttInMs" Type="Edm.Int32"/>
        <Property Name="AvgLogOnDurationInMs" Type="Edm.Int32"/>
        <Property Name="UptimeInMinutes" Type="Edm.Int32"/>
        <Property Name="UpTimeWithoutSessionInMinutes" Type="Edm.Int32"/>
        <Property Name="DisconnectTimeInMinutes" Type="Edm.Int32"/>
        <Property Name="IdleTimeInMinutes" Type="Edm.Int32"/>
        <Property Name="CreatedDate" Type="Edm.DateTimeOffset" Nullable="false"/>
        <Property Name="ModifiedDate" Type="Edm.DateTimeOffset" Nullable="false"/>
        <NavigationProperty Name="Machine" Type="Citrix.Monitor.Repository.V2.Model.Machine">
          <ReferentialConstraint Property="MachineId" ReferencedProperty="Id"/>
        </NavigationProperty>
        <NavigationProperty Name="DesktopGroup" Type="Citrix.Monitor.Repository.V2.Model.DesktopGroup">
          <ReferentialConstraint Property="DesktopGroupId" ReferencedProperty="Id"/>
        </NavigationProperty>
      </EntityType>
      <EntityType Name="MachineCostSavingsSummary">
        <Key><PropertyRef Name="DesktopGroupId"/><PropertyRef Name="HypervisorType"/><PropertyRef Name="TagId"/><PropertyRef Name="SummaryDate"/><PropertyRef Name="Granularity"/></Key>
        <Property Name="DesktopGroupId" Type="Edm.Guid" Nullable="false"/>
        <Property Name="SummaryDate" Type="Edm.DateTimeOffset" Nullable="false"/>
        <Property Name="Granularity" Type="Edm.Int32" Nullable="false"/>
        <Property Name="HypervisorType" Type="Edm.Int32" Nullable="false"/>
        <Property Name="TagId" Type="Edm.Int32" Nullable="false"/>
        <Property Name="TotalMachinesCount" Type="Edm.Int32" Nullable="false"/>
        <Property Name="PowerManagedMachinesOff" Type="Edm.Int32" Nullable="false"/>
        <Property Name="PowerManagedMachinesInHibernate" Type="Edm.Int32" Nullable="false"/>
        <Property Name="PowerManagedMachinesOnWithSessions" Type="Edm.Int32" Nullable="false"/>
        <Property Name="PowerManagedMachinesOnWithoutSessions" Type="Edm.Int32" Nullable="false"/>
        <Property Name="PowerManagedMachineMinutesTurnedOff" Type="Edm.Int32" Nullable="false"/>
        <Property Name="TotalScaleInActions" Type="Edm.Int32" Nullable="false"/>
        <Property Name="TotalHibernateActions" Type="Edm.Int32" Nullable="false"/>
        <Property Name="TotalScaleOutActions" Type="Edm.Int32" Nullable="false"/>
        <Property Name="TotalPeakConcurrentSessions" Type="Edm.Int32" Nullable="false"/>
        <Property Name="AverageLogonDurationInSec" Type="Edm.Int32" Nullable="false"/>
        <Property Name="AveragePowerManagedMachinesCount" Type="Edm.Int32" Nullable="false"/>
        <Property Name="AverageMachineCostPerHour" Type="Edm.Double" Nullable="false"/>
        <Property Name="CostType" Type="Edm.Int32" Nullable="false"/>
        <Property Name="CurrencyType" Type="Edm.Int32" Nullable="false"/>
        <Property Name="TotalAmountSaved" Type="Edm.Double" Nullable="false"/>
        <Property Name="TotalCostIfNoPowerManagement" Type="Edm.Double" Nullable="false"/>
        <Property Name="TotalAutoscaleComputeSavings" Type="Edm.Double" Nullable="false"/>
        <Property Name="TotalAutoscaleStorageSavings" Type="Edm.Double" Nullable="false"/>
        <Property Name="TotalEndUserComputeSavings" Type="Edm.Double" Nullable="false"/>
        <Property Name="TotalEndUserStorageSavings" Type="Edm.Double" Nullable="false"/>
        <Property Name="AverageComputeCostPerHour" Type="Edm.Double" Nullable="false"/>
        <Property Name="AverageStorageCostPerHour" Type="Edm.Double" Nullable="false"/>
        <Property Name="TotalComputeCost" Type="Edm.Double" Nullable="false"/>
        <Property Name="TotalStorageCost" Type="Edm.Double" Nullable="false"/>
        <Property Name="PowerManagedMachinesFailedWithoutSessions" Type="Edm.Int32"/>
        <Property Name="PowerManagedMachinesUnregisteredWithSessions" Type="Edm.Int32"/>
        <NavigationProperty Name="DesktopGroup" Type="Citrix.Monitor.Repository.V2.Model.DesktopGroup">
          <ReferentialConstraint Property="DesktopGroupId" ReferencedProperty="Id"/>
        </NavigationProperty>
      </EntityType>
    </Schema>
    <Schema Namespace="Default" xmlns="http://docs.oasis-open.org/odata/ns/edm">
      <EntityContainer Name="Container">
        <EntitySet Name="Sessions" EntityType="Citrix.Monitor.Repository.V2.Model.Session">
          <NavigationPropertyBinding Path="User" Target="Users"/>
          <NavigationPropertyBinding Path="Machine" Target="Machines"/>
        </EntitySet>
        <EntitySet Name="Machines" EntityType="Citrix.Monitor.Repository.V2.Model.Machine">
          <NavigationPropertyBinding Path="Catalog" Target="Catalogs"/>
          <NavigationPropertyBinding Path="DesktopGroup" Target="DesktopGroups"/>
          <NavigationPropertyBinding Path="Hypervisor" Target="Hypervisors"/>
        </EntitySet>
        <EntitySet Name="Users" EntityType="Citrix.Monitor.Repository.V2.Model.User">
        </EntitySet>
        <EntitySet Name="Connections" EntityType="Citrix.Monitor.Repository.V2.Model.Connection">
          <NavigationPropertyBinding Path="Session" Target="Sessions"/>
        </EntitySet>
        <EntitySet Name="Catalogs" EntityType="Citrix.Monitor.Repository.V2.Model.Catalog">
        </EntitySet>
        <EntitySet Name="DesktopGroups" EntityType="Citrix.Monitor.Repository.V2.Model.DesktopGroup">
        </EntitySet>
        <EntitySet Name="Hypervisors" EntityType="Citrix.Monitor.Repository.V2.Model.Hypervisor">
        </EntitySet>
        <EntitySet Name="Applications" EntityType="Citrix.Monitor.Repository.V2.Model.Application">
        </EntitySet>
        <EntitySet Name="ApplicationInstances" EntityType="Citrix.Monitor.Repository.V2.Model.ApplicationInstance">
          <NavigationPropertyBinding Path="Application" Target="Applications"/>
        </EntitySet>
        <EntitySet Name="LogOnSummaries" EntityType="Citrix.Monitor.Repository.V2.Model.LogOnSummary">
          <NavigationPropertyBinding Path="DesktopGroup" Target="DesktopGroups"/>
        </EntitySet>
        <EntitySet Name="ConnectionFailureLogs" EntityType="Citrix.Monitor.Repository.V2.Model.ConnectionFailureLog">
          <NavigationPropertyBinding Path="User" Target="Users"/>
          <NavigationPropertyBinding Path="Machine" Target="Machines"/>
          <NavigationPropertyBinding Path="Session" Target="Sessions"/>
        </EntitySet>
        <EntitySet Name="MachineFailureLogs" EntityType="Citrix.Monitor.Repository.V2.Model.MachineFailureLog">
          <NavigationPropertyBinding Path="Machine" Target="Machines"/>
        </EntitySet>
        <EntitySet Name="SessionAutoReconnects" EntityType="Citrix.Monitor.Repository.V2.Model.SessionAutoReconnect">
          <NavigationPropertyBinding Path="Session" Target="Sessions"/>
        </EntitySet>
        <EntitySet Name="SessionMetrics" EntityType="Citrix.Monitor.Repository.V2.Model.SessionMetrics">
          <NavigationPropertyBinding Path="Session" Target="Sessions"/>
        </EntitySet>
        <EntitySet Name="MachineMetric" EntityType="Citrix.Monitor.Repository.V2.Model.MachineMetric">
          <NavigationPropertyBinding Path="Machine" Target="Machines"/>
        </EntitySet>
        <EntitySet Name="ApplicationActivitySummaries" EntityType="Citrix.Monitor.Repository.V2.Model.ApplicationInstanceSummary">
          <NavigationPropertyBinding Path="Application" Target="Applications"/>
          <NavigationPropertyBinding Path="DesktopGroup" Target="DesktopGroups"/>
        </EntitySet>
        <EntitySet Name="DesktopOSDesktopSummaries" EntityType="Citrix.Monitor.Repository.V2.Model.DesktopOSDesktopSummary">
          <NavigationPropertyBinding Path="DesktopGroup" Target="DesktopGroups"/>
        </EntitySet>
        <EntitySet Name="ServerOSDesktopSummaries" EntityType="Citrix.Monitor.Repository.V2.Model.ServerOSDesktopSummary">
          <NavigationPropertyBinding Path="Machine" Target="Machines"/>
          <NavigationPropertyBinding Path="DesktopGroup" Target="DesktopGroups"/>
        </EntitySet>
        <EntitySet Name="SessionActivitySummaries" EntityType="Citrix.Monitor.Repository.V2.Model.SessionActivitySummary">
          <NavigationPropertyBinding Path="DesktopGroup" Target="DesktopGroups"/>
        </EntitySet>
        <EntitySet Name="FailureLogSummaries" EntityType="Citrix.Monitor.Repository.V2.Model.FailureLogSummary">
          <NavigationPropertyBinding Path="DesktopGroup" Target="DesktopGroups"/>
        </EntitySet>
        <EntitySet Name="ReconnectSummaries" EntityType="Citrix.Monitor.Repository.V2.Model.ReconnectSummary">
          <NavigationPropertyBinding Path="DesktopGroup" Target="DesktopGroups"/>
        </EntitySet>
        <EntitySet Name="LogOnMetrics" EntityType="Citrix.Monitor.Repository.V2.Model.LogOnMetric">
          <NavigationPropertyBinding Path="Session" Target="Sessions"/>
        </EntitySet>
        <EntitySet Name="SessionMetricsLatest" EntityType="Citrix.Monitor.Repository.V2.Model.SessionMetricsLatest">
          <NavigationPropertyBinding Path="Session" Target="Sessions"/>
        </EntitySet>
        <EntitySet Name="MachineCosts" EntityType="Citrix.Monitor.Repository.V2.Model.MachineCost">
          <NavigationPropertyBinding Path="Machine" Target="Machines"/>
        </EntitySet>
        <EntitySet Name="ResourceUtilization" EntityType="Citrix.Monitor.Repository.V2.Model.ResourceUtilization">
          <NavigationPropertyBinding Path="Machine" Target="Machines"/>
          <NavigationPropertyBinding Path="DesktopGroup" Target="DesktopGroups"/>
        </EntitySet>
        <EntitySet Name="ResourceUtilizationSummary" EntityType="Citrix.Monitor.Repository.V2.Model.ResourceUtilizationSummary">
          <NavigationPropertyBinding Path="Machine" Target="Machines"/>
          <NavigationPropertyBinding Path="DesktopGroup" Target="DesktopGroups"/>
        </EntitySet>
        <EntitySet Name="MachineCostSavingsSummaries" EntityType="Citrix.Monitor.Repository.V2.Model.MachineCostSavingsSummary">
          <NavigationPropertyBinding Path="DesktopGroup" Target="DesktopGroups"/>
        </EntitySet>
      </EntityContainer>
    </Schema>
  </edmx:DataServices>
</edmx:Edmx>
`;
